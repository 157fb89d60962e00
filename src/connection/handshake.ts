// Python's authkey handshake (multiprocessing.connection deliver_challenge/answer_challenge),
// so that multiproc and Python authenticate each other. Each side proves it knows the key by
// returning an HMAC of random bytes the other sent; the Listener challenges first, then the
// Client does (mutual authentication).
//
//   challenger                                   answerer
//   "#CHALLENGE#" + "{sha256}" + 40 random  --->
//                                           <--- "{sha256}" + HMAC-SHA256(key, "{sha256}" + random)
//   "#WELCOME#" or "#FAILURE#"              --->
//
// Python 3.11 and older speak the legacy form: a challenge of 20 random bytes and a bare 16-byte
// HMAC-MD5 answer. Both forms are spoken here as Python 3.12+ speaks them: an answerer replies in
// the form of the challenge it got (20 bytes: legacy MD5; "{digest}...": that digest), and a
// challenger sends the modern form and accepts a legacy answer computed over the whole message
// (a 3.11 peer takes it as opaque bytes), so both directions work with old and new Pythons.
//
// Every message is read with a limit of 256 bytes (the frame reader checks the header before
// reading the body), and nothing else is read from the peer until this has passed.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { AuthenticationError, HandshakeTimeoutError } from "./errors.js";

const CHALLENGE = Buffer.from("#CHALLENGE#");
const WELCOME = Buffer.from("#WELCOME#");
const FAILURE = Buffer.from("#FAILURE#");
const MESSAGE_LENGTH = 40;
const MD5ONLY_MESSAGE_LENGTH = 20;
const MD5_DIGEST_LENGTH = 16;
/** Python's _ALLOWED_DIGESTS, with the name Node's crypto knows each by. */
const ALLOWED_DIGESTS = new Map([
  ["md5", "md5"],
  ["sha256", "sha256"],
  ["sha384", "sha384"],
  ["sha3_256", "sha3-256"],
  ["sha3_384", "sha3-384"],
]);
const MAX_DIGEST_NAME = 8;
/** The largest handshake message Python reads (recv_bytes(256)). */
export const HANDSHAKE_MESSAGE_LIMIT = 256;
/** How many messages each side reads during the handshake: a challenge, an answer and a verdict. */
export const HANDSHAKE_MESSAGES = 3;

/** What the handshake needs of a connection. */
export interface MessageChannel {
  sendBytes(buf: Uint8Array): Promise<void>;
  recvBytes(maxlength: number): Promise<Buffer>;
}

/** An authkey as bytes; strings are taken as UTF-8 (Python insists on bytes). */
export function toAuthkey(authkey: Uint8Array | string | null | undefined, where: string): Buffer | null {
  if (authkey === null || authkey === undefined) return null;
  if (typeof authkey === "string") return Buffer.from(authkey, "utf8");
  if (authkey instanceof Uint8Array) return Buffer.from(authkey);
  throw new TypeError(`${where}: authkey must be a Uint8Array (bytes) or a string, not ${typeof authkey}`);
}

/** The digest name and payload of a challenge or answer, as Python's _get_digest_name_and_payload() reads it ("": legacy MD5). */
function digestAndPayload(message: Buffer): [string, Buffer] {
  if (message.length === MD5ONLY_MESSAGE_LENGTH || message.length === MD5_DIGEST_LENGTH) return ["", message];
  if (message[0] === 0x7b /* { */) {
    const curly = message.indexOf(0x7d /* } */, 1);
    if (curly > 0 && curly <= MAX_DIGEST_NAME + 1) {
      const name = message.subarray(1, curly).toString("latin1");
      if (ALLOWED_DIGESTS.has(name)) return [name, message.subarray(curly + 1)];
    }
  }
  throw new AuthenticationError(`unsupported message length, missing digest prefix, or unsupported digest (${message.length} bytes)`);
}

function hmac(key: Buffer, message: Buffer, digest: string): Buffer {
  return createHmac(ALLOWED_DIGESTS.get(digest)!, key).update(message).digest();
}

/** The challenger's side (Python's deliver_challenge): the Listener does this first. */
export async function deliverChallenge(channel: MessageChannel, authkey: Buffer): Promise<void> {
  const message = Buffer.concat([Buffer.from("{sha256}"), randomBytes(MESSAGE_LENGTH)]);
  await channel.sendBytes(Buffer.concat([CHALLENGE, message]));
  const response = await channel.recvBytes(HANDSHAKE_MESSAGE_LIMIT);
  try {
    const [digest, mac] = digestAndPayload(response);
    const expected = hmac(authkey, message, digest || "md5");
    if (expected.length !== mac.length) throw new AuthenticationError(`expected a ${digest || "md5"} digest of ${expected.length} bytes, got ${mac.length}`);
    if (!timingSafeEqual(expected, mac)) throw new AuthenticationError("digest received was wrong (the peer's authkey differs)");
  } catch (error) {
    await channel.sendBytes(FAILURE).catch(() => {});
    throw error;
  }
  await channel.sendBytes(WELCOME);
}

/** The answerer's side (Python's answer_challenge): the Client does this first. */
export async function answerChallenge(channel: MessageChannel, authkey: Buffer): Promise<void> {
  const received = await channel.recvBytes(HANDSHAKE_MESSAGE_LIMIT);
  if (!received.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
    throw new AuthenticationError("protocol error: expected an authkey challenge; does the other end use an authkey?");
  }
  const message = received.subarray(CHALLENGE.length);
  if (message.length < MD5ONLY_MESSAGE_LENGTH) throw new AuthenticationError(`challenge too short: ${message.length} bytes`);
  const [digest] = digestAndPayload(message);
  const mac = hmac(authkey, message, digest || "md5");
  await channel.sendBytes(digest ? Buffer.concat([Buffer.from(`{${digest}}`), mac]) : mac);
  const verdict = await channel.recvBytes(HANDSHAKE_MESSAGE_LIMIT);
  if (!verdict.equals(WELCOME)) throw new AuthenticationError("digest sent was rejected (the peer's authkey differs)");
}

/** The handshake gives up after this many seconds unless told otherwise (Python waits for ever). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 20;

/**
 * Runs both halves of the handshake in `order` ("listener": challenge first, as Python's
 * Listener.accept(); "client": answer first, as Python's Client()), within `timeout` seconds.
 * On any failure the connection is closed and the error thrown: AuthenticationError,
 * HandshakeTimeoutError, MessageTooLongError (a handshake message over 256 bytes), EOFError.
 */
export async function authenticate(
  channel: MessageChannel & { close(): void; destroy(): void },
  authkey: Buffer,
  order: "listener" | "client",
  timeout: number,
): Promise<void> {
  const steps = (async () => {
    if (order === "listener") {
      await deliverChallenge(channel, authkey);
      await answerChallenge(channel, authkey);
    } else {
      await answerChallenge(channel, authkey);
      await deliverChallenge(channel, authkey);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HandshakeTimeoutError(`the peer did not complete the authkey handshake within ${timeout} s (handshakeTimeout)`)),
      timeout * 1000,
    );
  });
  try {
    await Promise.race([steps, timedOut]);
  } catch (error) {
    steps.catch(() => {}); // settles with EOFError once closed: nobody waits for it
    // A refused key: close after the "#FAILURE#" verdict has gone out, so that the peer reads it
    // (Python raises AuthenticationError on it). Anything else: drop the connection now.
    if (error instanceof AuthenticationError && !(error instanceof HandshakeTimeoutError)) channel.close();
    else channel.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Checks a handshake timeout option (seconds). */
export function handshakeTimeoutOf(value: number | undefined, where: string): number {
  if (value === undefined) return DEFAULT_HANDSHAKE_TIMEOUT;
  if (typeof value !== "number" || !(value > 0)) throw new RangeError(`${where}: handshakeTimeout must be a number of seconds > 0, not ${String(value)}`);
  return value;
}
