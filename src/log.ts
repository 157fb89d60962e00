// Python's multiprocessing logging: mp.getLogger() is the library's logger, mp.logToStderr(level)
// sends its records to stderr as `[INFO/PoolWorker-1] message` (Python's format: level name,
// then the name of the process that logged). Nothing is logged until a handler is added, and a
// call below the level costs one comparison: the pool logs its workers' start, exit and
// replacement at DEBUG. Pool workers log with the parent's level and handlers' kind (stderr), as
// Python's spawned children inherit log_to_stderr().
//
// Kept on globalThis (Symbol.for) so that a second copy of multiproc in one worker (a task
// module that resolves "multiproc" elsewhere) logs through the same, configured, logger.

import { format } from "node:util";
import { currentProcess } from "./current.js";

/** Python's logging levels, with multiprocessing's SUBDEBUG and SUBWARNING. */
export const LogLevel = {
  NOTSET: 0,
  SUBDEBUG: 5,
  DEBUG: 10,
  INFO: 20,
  SUBWARNING: 25,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;
/** The name of one of the LogLevel levels ("DEBUG", "WARNING", ...). */
export type LogLevelName = keyof typeof LogLevel;

/** One log call, as handlers receive it. */
export interface LogRecord {
  level: number;
  /** "DEBUG", "INFO", ... (Python's levelname); "Level 15" for a level without a name. */
  levelName: string;
  /** The name of the process (or worker thread) that logged, as mp.currentProcess().name. */
  processName: string;
  /** The message, with its arguments formatted in (util.format: %s, %d, %j, %o ...). */
  message: string;
  /** Milliseconds since the epoch. */
  time: number;
}

/** A function that receives each log record that passes the logger's level. */
export type LogHandler = (record: LogRecord) => void;

/** Python's logging.Logger, the parts a multiprocessing user needs. */
export class Logger {
  readonly name = "multiprocessing";
  /** Records below this level are dropped. Python's default for this logger is WARNING (its root's). */
  #level: number = LogLevel.WARNING;
  readonly #handlers: LogHandler[] = [];

  setLevel(level: number | LogLevelName): void {
    this.#level = levelNumber(level, "Logger.setLevel");
  }

  getEffectiveLevel(): number {
    return this.#level;
  }

  /** Whether a record at `level` would be handled: a level at or above the logger's, and a handler to take it. */
  isEnabledFor(level: number): boolean {
    return level >= this.#level && this.#handlers.length > 0;
  }

  addHandler(handler: LogHandler): void {
    if (typeof handler !== "function") throw new TypeError(`Logger.addHandler: a handler is a function (record) => void, got ${typeof handler}`);
    if (!this.#handlers.includes(handler)) this.#handlers.push(handler);
  }

  removeHandler(handler: LogHandler): void {
    const i = this.#handlers.indexOf(handler);
    if (i !== -1) this.#handlers.splice(i, 1);
  }

  get handlers(): readonly LogHandler[] {
    return [...this.#handlers];
  }

  /** Whether logToStderr() is in effect: what pool workers are told to do. */
  get logsToStderr(): boolean {
    return this.#handlers.some((h) => (h as { [kStderr]?: boolean })[kStderr] === true);
  }

  log(level: number | LogLevelName, message: unknown, ...args: unknown[]): void {
    const n = typeof level === "number" ? level : levelNumber(level, "Logger.log");
    if (n < this.#level || this.#handlers.length === 0) return;
    const record: LogRecord = {
      level: n,
      levelName: levelName(n),
      processName: currentProcess().name,
      message: typeof message === "string" && args.length === 0 ? message : format(message, ...args),
      time: Date.now(),
    };
    for (const handler of this.#handlers) {
      try {
        handler(record);
      } catch {
        // As Python's logging: a failing handler never breaks the code that logged.
      }
    }
  }

  subdebug(message: unknown, ...args: unknown[]): void {
    this.log(LogLevel.SUBDEBUG, message, ...args);
  }
  debug(message: unknown, ...args: unknown[]): void {
    this.log(LogLevel.DEBUG, message, ...args);
  }
  info(message: unknown, ...args: unknown[]): void {
    this.log(LogLevel.INFO, message, ...args);
  }
  subwarning(message: unknown, ...args: unknown[]): void {
    this.log(LogLevel.SUBWARNING, message, ...args);
  }
  warning(message: unknown, ...args: unknown[]): void {
    this.log(LogLevel.WARNING, message, ...args);
  }
  error(message: unknown, ...args: unknown[]): void {
    this.log(LogLevel.ERROR, message, ...args);
  }
  critical(message: unknown, ...args: unknown[]): void {
    this.log(LogLevel.CRITICAL, message, ...args);
  }
}

const KEY = Symbol.for("multiproc.logger");
const holder = globalThis as { [KEY]?: Logger };

/** The library's logger (Python's multiprocessing.get_logger()). */
export function getLogger(): Logger {
  return (holder[KEY] ??= new Logger());
}

/** Python's DEFAULT_LOGGING_FORMAT, '[%(levelname)s/%(processName)s] %(message)s', on stderr. */
function stderrHandler(record: LogRecord): void {
  process.stderr.write(`[${record.levelName}/${record.processName}] ${record.message}\n`);
}
/** Marks the stderr handler, also one added by another copy of multiproc. */
const kStderr = Symbol.for("multiproc.logToStderr");
Object.defineProperty(stderrHandler, kStderr, { value: true });

/**
 * Send the logger's records to stderr (Python's multiprocessing.log_to_stderr()), and set its
 * level if one is given: a number or a name ("DEBUG", "INFO", ...). Returns the logger.
 */
export function logToStderr(level?: number | LogLevelName | null): Logger {
  const logger = getLogger();
  if (!logger.logsToStderr) logger.addHandler(stderrHandler);
  if (level !== undefined && level !== null) logger.setLevel(level);
  return logger;
}

/** The pool's and the runtime's logging: one comparison when it is off. */
export function logDebug(message: string, ...args: unknown[]): void {
  const logger = holder[KEY];
  if (logger?.isEnabledFor(LogLevel.DEBUG)) logger.log(LogLevel.DEBUG, message, ...args);
}

/** What a worker is told, so it logs as its parent does (Python's spawn passes log_to_stderr and the level); undefined when off. */
export function loggingForWorkers(): number | undefined {
  const logger = holder[KEY];
  return logger?.logsToStderr ? logger.getEffectiveLevel() : undefined;
}

function levelNumber(level: unknown, where: string): number {
  if (typeof level === "number" && Number.isInteger(level) && level >= 0) return level;
  if (typeof level === "string") {
    const n = (LogLevel as Record<string, number>)[level.toUpperCase()];
    if (n !== undefined) return n;
  }
  throw new TypeError(`${where}: a level is an integer >= 0 or one of ${Object.keys(LogLevel).join(", ")}; got ${String(level)}`);
}

function levelName(level: number): string {
  for (const [name, n] of Object.entries(LogLevel)) if (n === level) return name;
  return `Level ${level}`;
}
