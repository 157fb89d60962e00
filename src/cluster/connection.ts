// Where the cluster's Redis is and how to reach it: a redis:// or rediss:// (TLS) URL, with a
// password in it if the server wants one, from the caller's options or REDIS_URL. ioredis is
// loaded only here, and only when a cluster connects, so `import "multiproc"` stays light.

import type { ConnectionOptions as TlsOptions } from "node:tls";
import type { Redis, RedisOptions } from "ioredis";

export interface RedisTarget {
  url: string;
  /** Extra TLS options (a private CA, client certificates) for rediss:// URLs. */
  tls?: TlsOptions;
}

/** The Redis URL from an option or REDIS_URL, checked, with a clear error when it is missing or wrong. */
export function redisUrl(url: string | undefined, where: string): string {
  const value = url ?? process.env.REDIS_URL;
  if (value === undefined || value === "") {
    throw new TypeError(`${where}: no Redis to use: pass redis: "redis://host:6379" or set REDIS_URL`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new TypeError(`${where}: redis must be a URL like redis://host:6379 or rediss://:password@host:6380, got ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(`${where}: redis URLs start with redis:// or rediss:// (TLS), got ${parsed.protocol}//`);
  }
  return value;
}

/** Queue names become parts of Redis keys: keep them plain. */
export function checkQueueName(queue: unknown, where: string): string {
  if (typeof queue !== "string" || !/^[A-Za-z0-9_.-]{1,200}$/.test(queue)) {
    throw new TypeError(`${where}: queue must be a name of letters, digits, "_", "." or "-", got ${JSON.stringify(queue)}`);
  }
  return queue;
}

/** The URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(the Redis URL)";
  }
}

/** Node's codes for a server certificate that is not trusted (or not for this host). */
const CERTIFICATE_ERRORS = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * Why a connection error will not go away by retrying (an untrusted certificate, TLS against a
 * plain port or the other way round, a wrong password), in words; null for errors worth waiting
 * through (Redis restarting, a network cut). A caller or worker that has never connected gives
 * up at once on these instead of retrying until its timeout.
 */
export function hopelessConnection(error: unknown, url: string): string | null {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (CERTIFICATE_ERRORS.has(code)) {
    return (
      `the TLS certificate of Redis at ${redactedUrl(url)} is not trusted (${message}, ${code}): trust its CA with ` +
      `mp.cluster({ tls: { ca } }) or \`multiproc worker --tls-ca FILE\`, or NODE_EXTRA_CA_CERTS=FILE for either`
    );
  }
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number/i.test(message)) {
    return `Redis at ${redactedUrl(url)} does not speak TLS on that port (${message}): use redis:// for a plain port, rediss:// for its tls-port`;
  }
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
    return `Redis at ${redactedUrl(url)} refused the password (${message})`;
  }
  return null;
}

/**
 * A new connection. Commands wait through disconnections (maxRetriesPerRequest: null, as
 * BullMQ requires) and are sent again once Redis is back; the cluster's own watchdog decides
 * when waiting has lasted too long.
 */
export async function connectRedis(target: RedisTarget, name: string, closed: () => boolean = () => false): Promise<Redis> {
  const { Redis: RedisClient } = await import("ioredis");
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    connectionName: name,
    // Copied by duplicate(), so BullMQ's own connections stop reconnecting too once their owner is closed.
    retryStrategy: (times) => (closed() ? null : Math.min(100 * times, 1000)),
  };
  if (target.url.startsWith("rediss:")) options.tls = { ...target.tls };
  const client = new RedisClient(target.url, options);
  // Errors show in the state the watchdog reads; without a listener ioredis prints each one.
  client.on("error", () => {});
  return client;
}

/**
 * Disconnect without a crash: a TLS socket cut mid-handshake (its certificate refused) may still
 * report the server's alert after ioredis has let go of it, and an 'error' nobody listens to
 * would end the process.
 */
export function disconnectQuietly(conn: Redis | undefined): void {
  if (!conn) return;
  (conn as unknown as { stream?: NodeJS.EventEmitter }).stream?.on("error", () => {});
  conn.disconnect();
}
