// The ratios that issue 5 asks for, computed from a run's rows. Every ratio reads
// "how many times better multiproc is than the reference": above 1 is better.
import type { Row, Target, WorkloadId } from "./results.ts";
import { rowKey } from "./results.ts";
import { PYTHON } from "./peers/python.ts";

export const RAW = "worker_threads (raw)";
const PY_POOL = `${PYTHON} (fork)`;

interface TargetSpec {
  name: string;
  workload: WorkloadId;
  subject: string;
  /** null: the subject's value is itself the ratio (W3's speed-up over serial). */
  reference: string | null;
  /** Left out of the list when the run has no such row (it is measured only in some setups). */
  onlyIfMeasured?: boolean;
}

const specs: TargetSpec[] = [
  { name: "W1 thread vs piscina", workload: "W1", subject: "multiproc (thread)", reference: "piscina (thread)" },
  { name: "W1 process vs tinypool child_process", workload: "W1", subject: "multiproc (process)", reference: "tinypool (child_process)" },
  { name: "W2 thread vs Python Pool.map", workload: "W2", subject: "multiproc (thread)", reference: PY_POOL },
  { name: "W2 process vs Python Pool.map", workload: "W2", subject: "multiproc (process)", reference: PY_POOL },
  { name: "W3 speed-up, thread (2 workers)", workload: "W3", subject: "multiproc (thread)", reference: null },
  { name: "W3 speed-up, process (2 workers)", workload: "W3", subject: "multiproc (process)", reference: null },
  { name: "W4 transfer vs raw worker_threads", workload: "W4", subject: "multiproc (thread) transfer", reference: `${RAW} transfer` },
  { name: "W4 copy vs raw worker_threads", workload: "W4", subject: "multiproc (thread) copy", reference: `${RAW} copy` },
  { name: "W5 thread vs piscina", workload: "W5", subject: "multiproc (thread)", reference: "piscina (thread)" },
  { name: "W5 process vs Python spawn", workload: "W5", subject: "multiproc (process)", reference: `${PYTHON} spawn` },
  {
    name: "W5 process vs Python spawn, no extra CAs",
    workload: "W5",
    subject: "multiproc (process) NODE_EXTRA_CA_CERTS unset",
    reference: `${PYTHON} spawn`,
    onlyIfMeasured: true,
  },
  { name: "W6 peak RSS, thread vs piscina", workload: "W6", subject: "multiproc (thread) peak RSS", reference: "piscina (thread) peak RSS" },
  { name: "W6 peak RSS, process vs tinypool child_process", workload: "W6", subject: "multiproc (process) peak RSS", reference: "tinypool (child_process) peak RSS" },
];

/** Per workload, the row that the table's ratio column compares every row against. */
export const tableReference: Partial<Record<WorkloadId, string>> = {
  W1: "piscina (thread)",
  W2: PY_POOL,
  W4: `${RAW} transfer`,
  W5: "piscina (thread)",
  W6: `${PYTHON} peak RSS`,
};

export function findRow(rows: readonly Row[], workload: WorkloadId, key: string): Row | undefined {
  return rows.find((r) => r.workload === workload && rowKey(r) === key);
}

/** How many times better `subject` is than `reference` (direction from the row's unit). */
export function ratio(subject: Row | undefined, reference: Row | undefined): number | null {
  if (subject?.value == null || reference?.value == null || reference.value === 0 || subject.value === 0) return null;
  return subject.higherIsBetter ? subject.value / reference.value : reference.value / subject.value;
}

export function computeTargets(rows: readonly Row[]): Target[] {
  return specs.flatMap((spec) => {
    const subject = findRow(rows, spec.workload, spec.subject);
    if (spec.onlyIfMeasured && subject === undefined) return [];
    const value =
      spec.reference === null ? (subject?.value ?? null) : ratio(subject, findRow(rows, spec.workload, spec.reference));
    return [{ name: spec.name, subject: spec.subject, reference: spec.reference ?? "serial (parent)", ratio: value }];
  });
}
