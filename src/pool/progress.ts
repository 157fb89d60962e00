// The `progress` option of map, starmap, imap and imapUnordered (what tqdm gives Python users):
// `true` draws a bar on stderr when stderr is a terminal (cli-progress, loaded only then) and
// is silent otherwise; a function receives the counts at a bounded rate and once at the end.
// When the option is absent nothing here runs: the pool's code checks for it once per call.

import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import type { SingleBar } from "cli-progress";
import type { IMapIterator, IMapNextOptions } from "./imap.js";

/** What a progress callback receives. */
export interface Progress {
  /** Items with a result. */
  done: number;
  /** Items in the input, when known (an array, a Set, anything with a length or size); else null. */
  total: number | null;
  /** Items whose task failed. */
  failed: number;
  /** Seconds since the call started. */
  elapsed: number;
}

/** `true`: a bar on stderr if it is a terminal; a function: called with the counts. */
export type ProgressOption = boolean | ((progress: Progress) => void);

/** A callback is called at most this often (plus once at the end, with the final counts). */
export const PROGRESS_INTERVAL_SECONDS = 0.1;

export function checkProgress(where: string, option: unknown): void {
  if (option !== undefined && typeof option !== "boolean" && typeof option !== "function") {
    throw new TypeError(`${where}: progress must be true, false or a function (p) => ..., got ${typeof option}`);
  }
}

/** The input's length, when it says so without being read. */
export function knownLength(iterable: unknown): number | null {
  if (Array.isArray(iterable)) return iterable.length;
  const { length, size } = iterable as { length?: unknown; size?: unknown };
  if (typeof size === "number") return size;
  if (typeof length === "number") return length;
  return null;
}

/** Counts of one call, shown or reported until end(). */
export class ProgressTracker {
  done = 0;
  failed = 0;
  readonly #total: number | null;
  readonly #started = performance.now();
  readonly #report: (p: Progress) => void;
  readonly #stop: () => void;
  #timer: NodeJS.Timeout;
  #lastDone = -1;
  #lastFailed = -1;
  #ended = false;

  /** A tracker for `option`, or undefined when there is nothing to do (off, or no terminal to draw on). */
  static start(where: string, option: ProgressOption | undefined, total: number | null, stream: NodeJS.WriteStream = process.stderr): ProgressTracker | undefined {
    checkProgress(where, option);
    if (!option) return undefined;
    if (typeof option === "function") return new ProgressTracker(total, option, noop);
    if (!stream.isTTY) return undefined;
    const bar = drawBar(stream, total);
    return new ProgressTracker(total, (p) => bar.update(p.done, { failed: p.failed, rate: p.elapsed > 0 ? p.done / p.elapsed : 0 }), () => bar.stop());
  }

  private constructor(total: number | null, report: (p: Progress) => void, stop: () => void) {
    this.#total = total;
    this.#report = report;
    this.#stop = stop;
    // A timer rather than a clock check per item: counting costs an addition.
    this.#timer = setInterval(() => this.#tick(), PROGRESS_INTERVAL_SECONDS * 1000).unref();
  }

  add(n: number): void {
    this.done += n;
  }

  fail(n: number): void {
    this.failed += n;
  }

  /** The last report, with the final counts; then nothing more. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#emit();
    this.#stop();
  }

  #tick(): void {
    if (this.done !== this.#lastDone || this.failed !== this.#lastFailed) this.#emit();
  }

  #emit(): void {
    this.#lastDone = this.done;
    this.#lastFailed = this.failed;
    try {
      this.#report({ done: this.done, total: this.#total, failed: this.failed, elapsed: (performance.now() - this.#started) / 1000 });
    } catch (error) {
      // A throwing callback must not break the call it watches: say so once, report no more.
      clearInterval(this.#timer);
      this.#ended = true;
      process.emitWarning(`multiproc: the progress callback threw and will not be called again: ${String(error)}`);
    }
  }
}

/**
 * Wrap an imap iterator: each item yielded counts as done; the end, a task's error or return()
 * ends the tracker, which starts at the first next() (an iterator never read draws nothing).
 */
export function trackIterator<T>(where: string, it: IMapIterator<T>, option: ProgressOption, chunksize: number, total: number | null): IMapIterator<T> {
  let tracker: ProgressTracker | undefined;
  let started = false;
  return {
    async next(options?: IMapNextOptions) {
      if (!started) {
        started = true;
        tracker = ProgressTracker.start(where, option, total);
      }
      if (!tracker) return it.next(options);
      try {
        const step = await it.next(options);
        if (step.done) tracker.end();
        else tracker.add(1);
        return step;
      } catch (error) {
        // next({ timeout }) passing is no failure. A task's error: its items (a chunk; the last
        // one may be shorter) failed, and the report ends there, where a for await stops.
        const timedOut = options?.timeout !== undefined && error instanceof DOMException && error.name === "TimeoutError";
        if (!timedOut) {
          tracker.fail(total === null ? chunksize : Math.max(0, Math.min(chunksize, total - tracker.done)));
          tracker.end();
        }
        throw error;
      }
    },
    async return(value?: unknown) {
      started = true;
      tracker?.end();
      return (await it.return?.(value)) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function drawBar(stream: NodeJS.WriteStream, total: number | null): SingleBar {
  const cliProgress = createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress");
  const bar = new cliProgress.SingleBar({
    stream,
    fps: 10,
    hideCursor: false,
    // A line of its own that ends with the call; the terminal's width caps it.
    format: (options, params, payload: { failed?: number; rate?: number }) => {
      const rate = `${formatCount(payload.rate ?? 0)}/s`;
      const failed = payload.failed ? ` | ${payload.failed} failed` : "";
      const elapsed = cliProgress.Format.TimeFormat(Math.round(((params.stopTime ?? Date.now()) - params.startTime) / 1000), options, 1);
      if (total === null) return `${params.value} done | ${rate} | ${elapsed}${failed}`;
      const bar = cliProgress.Format.BarFormat(params.progress, options);
      const pct = Math.floor(params.progress * 100);
      const eta = params.value >= total ? elapsed : `ETA ${cliProgress.Format.TimeFormat(params.eta, options, 1)}`;
      return `${bar} ${pct}% | ${params.value}/${total} | ${rate} | ${eta}${failed}`;
    },
    barCompleteChar: "\u2588",
    barIncompleteChar: "\u2591",
    barsize: 30,
  });
  bar.start(total ?? 0, 0, { failed: 0, rate: 0 });
  return bar;
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n >= 100 ? 0 : 1);
}

function noop(): void {}
