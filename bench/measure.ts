/** The bench's one way of reading timings: percentiles of sorted samples, and timed calls. */

/** The p-th percentile (0–100) of ascending `sorted` samples (the nearest rank below). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * p50 and p99 in ms of `n` calls of `f`, after `warmup` calls that are not counted, and `cpu`: the
 * mean CPU time of this process per call (user + system). With PGlite the store runs in this
 * process, so `cpu` is the whole work of a call, and it holds up far better than the wall clock on a
 * machine shared with other work; with PostgreSQL the server's CPU is not in it.
 */
export async function timeCalls(
  n: number,
  f: () => Promise<unknown>,
  warmup = 5,
): Promise<{ p50: number; p99: number; cpu: number }> {
  for (let i = 0; i < Math.min(warmup, n); i++) await f();
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    samples.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    cpu: (cpu.user + cpu.system) / 1000 / n,
  };
}
