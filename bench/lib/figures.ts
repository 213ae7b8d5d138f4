// Helpers that benchmarks share: timing, percentiles and a plain table printer.
// Benchmarks print figures; they never assert on them.

/** The value at quantile q (0..1) of an unsorted sample, by nearest rank. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Runs fn repeatedly for about durationMs (after a warm-up) and returns calls per second. */
export function opsPerSecond(fn: () => void, durationMs = 1000, warmupMs = 200): number {
  const run = (ms: number): number => {
    const end = performance.now() + ms;
    let n = 0;
    let now = performance.now();
    while (now < end) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
      now = performance.now();
    }
    return n / (ms / 1000);
  };
  run(warmupMs);
  return run(durationMs);
}

export type Row = Record<string, string | number>;

/** Prints rows as an aligned table; numbers get thousands separators. */
export function printTable(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as Row);
  const cell = (v: string | number | undefined): string =>
    typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2)) : (v ?? '');
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i] as number)).join('  ');
  console.log(line(columns));
  for (const r of rows) console.log(line(columns.map((c) => cell(r[c]))));
}
