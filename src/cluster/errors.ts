// The named errors of the cluster (mp.cluster, `multiproc worker`): what goes wrong between a
// caller, Redis and the workers. Errors thrown by tasks keep their own class name, as locally.

import { MultiprocError, multiprocErrors } from "../errors.js";

/** Redis did not answer for the cluster's `unavailableTimeout`: pending calls reject with this, never hang. */
export class ClusterConnectionError extends MultiprocError {
  override name = "ClusterConnectionError";
  override readonly code = "MULTIPROC_REDIS_UNAVAILABLE";
}

/**
 * A task the workers may not run: a module they were not started with (`--tasks`), or an inline
 * function without the opt-in (`--allow-inline` on the workers and an `authkey` on both sides),
 * or a job whose signature is missing or wrong. Nothing of it ran.
 */
export class ForbiddenTaskError extends MultiprocError {
  override name = "ForbiddenTaskError";
  override readonly code = "MULTIPROC_TASK_FORBIDDEN";
}

/**
 * A job that left Redis unanswered: removed from outside (the dashboard, by hand), or dropped by
 * the workers because they took its caller for dead (its heartbeat lapsed). Its calls reject with
 * this instead of waiting for ever.
 */
export class JobLostError extends MultiprocError {
  override name = "JobLostError";
  override readonly code = "MULTIPROC_JOB_LOST";
}

/** A job (one chunk of a call, serialized) is bigger than the cluster's `maxJobBytes`; it was not queued. */
export class JobTooLargeError extends RangeError {
  override name = "JobTooLargeError";
  readonly code = "MULTIPROC_JOB_TOO_LARGE";
  constructor(
    message: string,
    /** The job's size in bytes. */
    readonly bytes: number,
    /** The limit it exceeded. */
    readonly limit: number,
  ) {
    super(message);
  }
}

/**
 * The dashboard (`multiproc dashboard`) cannot start: packages it needs are not installed. They are
 * optional peer dependencies of multiproc, which only the dashboard loads. The message names them
 * and the command that installs them; so do `missing` and `install`.
 */
export class DashboardUnavailableError extends MultiprocError {
  override name = "DashboardUnavailableError";
  override readonly code = "MULTIPROC_DASHBOARD_UNAVAILABLE";
  constructor(
    message: string,
    /** The packages that are not installed, e.g. ["@bull-board/api", "hono"]. */
    readonly missing: string[],
    /** The command that installs them, with the versions multiproc supports, e.g. `npm install "hono@^4.13.19"`. */
    readonly install: string,
  ) {
    super(message);
  }
}

multiprocErrors(ClusterConnectionError, ForbiddenTaskError, JobLostError, JobTooLargeError, DashboardUnavailableError);
