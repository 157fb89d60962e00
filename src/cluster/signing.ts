// HMAC-SHA256 signatures of jobs with the shared authkey: a worker that has a key runs only jobs
// signed with it, so whoever can write to Redis cannot make it run anything (see README, security).

import { createHmac, timingSafeEqual } from "node:crypto";

export type Authkey = string | Uint8Array;

/** The signature of one job: its id and its payload, so a payload cannot be moved to another id. */
export function signJob(authkey: Authkey, jobId: string, payload: Uint8Array): string {
  return createHmac("sha256", authkey).update(jobId).update("\0").update(payload).digest("base64");
}

export function verifyJob(authkey: Authkey, jobId: string, payload: Uint8Array, signature: unknown): boolean {
  if (typeof signature !== "string") return false;
  const expected = Buffer.from(signJob(authkey, jobId, payload), "base64");
  const got = Buffer.from(signature, "base64");
  return got.length === expected.length && timingSafeEqual(got, expected);
}
