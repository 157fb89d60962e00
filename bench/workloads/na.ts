// Turning a failure into an "n/a (reason)" row, so that one broken peer never stops the run.
import type { Row } from "../results.ts";

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split("\n")[0] ?? "";
  return line.length > 90 ? `${line.slice(0, 87)}...` : line;
}

export function naRow(base: Omit<Row, "value" | "note">, error: unknown): Row {
  return { ...base, value: null, note: `n/a (${errorMessage(error)})` };
}

/** Runs `measure`; on failure returns the row as n/a with the error's first line. */
export async function attempt(base: Omit<Row, "value" | "note">, measure: () => Promise<Row>): Promise<Row> {
  try {
    return await measure();
  } catch (error) {
    return naRow(base, error);
  }
}
