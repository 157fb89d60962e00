import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * The number of CPUs this process may use: the smaller of the scheduler affinity
 * (os.availableParallelism) and the cgroup CPU quota, rounded up. Containers often
 * report the host's cores while granting a fraction of them; Python's os.cpu_count()
 * ignores that and oversubscribes, we don't.
 */
export function cpuCount(): number {
  const affinity = availableParallelism();
  const quota = cgroupQuota();
  return Math.max(1, quota === null ? affinity : Math.min(affinity, Math.ceil(quota)));
}

function cgroupQuota(): number | null {
  // cgroup v2: "max 100000" or "150000 100000" (quota and period in microseconds)
  const v2 = readText("/sys/fs/cgroup/cpu.max");
  if (v2 !== null) {
    const [quota, period] = v2.trim().split(/\s+/);
    if (quota === "max" || !quota || !period) return null;
    return ratio(Number(quota), Number(period));
  }
  // cgroup v1: quota is -1 when unlimited
  const q = readText("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") ?? readText("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us");
  const p = readText("/sys/fs/cgroup/cpu/cpu.cfs_period_us") ?? readText("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us");
  if (q === null || p === null) return null;
  return ratio(Number(q), Number(p));
}

function ratio(quota: number, period: number): number | null {
  return quota > 0 && period > 0 ? quota / period : null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
