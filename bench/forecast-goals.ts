/**
 * The goals of issue 21 as `npm run bench -- forecast` checks them: each part records its
 * goals with the measured numbers, and the bench prints them together at the end, met or
 * not, so a goal that is not met shows its figures beside it.
 */

interface Goal {
  readonly name: string;
  /** undefined: not measured in this run (the part was skipped or its data is absent). */
  readonly met: boolean | undefined;
  readonly detail: string;
}

const goals: Goal[] = [];

/** Records a goal; `met` undefined when it could not be measured (say why in `detail`). */
export function goal(name: string, met: boolean | undefined, detail: string): void {
  goals.push({ name, met, detail });
}

/** Prints every recorded goal, one line each. */
export function printGoals(): void {
  if (goals.length === 0) return;
  console.log('\ngoals of issue 21:');
  for (const g of goals) {
    const state = g.met === undefined ? 'NOT MEASURED' : g.met ? 'met' : 'NOT MET';
    console.log(`  [${state}] ${g.name}: ${g.detail}`);
  }
}

/** One data set's figures from the accuracy part (the default configuration and R's). */
export interface AccuracyRow {
  readonly name: string;
  /** Real series (the goals on accuracy are about these), not generated ones. */
  readonly real: boolean;
  readonly mase: number | null;
  readonly snaiveMase: number | null;
  readonly coverage80: number | null;
  readonly coverage95: number | null;
  readonly rMase?: number;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/**
 * The accuracy goals: on the real data sets, mean MASE at least 3 % below R's ets() and
 * never worse than the seasonal naive; on every data set, coverage of the 80% and 95%
 * intervals within 5 points of nominal.
 */
export function accuracyGoals(rows: readonly AccuracyRow[]): void {
  const real = rows.filter((r) => r.real && r.mase !== null);
  const withR = real.filter((r) => r.rMase !== undefined);
  if (withR.length === 0)
    goal('mean MASE ≥ 3% below R ets() on real series', undefined, 'R not run');
  else {
    const ours = withR.reduce((a, r) => a + (r.mase as number), 0) / withR.length;
    const theirs = withR.reduce((a, r) => a + (r.rMase as number), 0) / withR.length;
    goal(
      'mean MASE ≥ 3% below R ets() on real series',
      ours <= 0.97 * theirs,
      `${ours.toFixed(3)} vs R ${theirs.toFixed(3)} (${pct(ours / theirs - 1)}) over ${withR.map((r) => r.name).join(', ')}`,
    );
  }
  const worse = real.filter((r) => r.snaiveMase !== null && (r.mase as number) > r.snaiveMase);
  goal(
    'never worse than seasonal naive on a real data set',
    real.length > 0 ? worse.length === 0 : undefined,
    real
      .map(
        (r) => `${r.name} ${(r.mase as number).toFixed(3)} vs ${r.snaiveMase?.toFixed(3) ?? '-'}`,
      )
      .join('; '),
  );
  const off = (v: number | null, nominal: number) => v === null || Math.abs(v - nominal) > 0.05;
  const bad = rows.filter((r) => off(r.coverage80, 0.8) || off(r.coverage95, 0.95));
  goal(
    'coverage within 5 points of 80% and 95% on every data set',
    rows.length > 0 ? bad.length === 0 : undefined,
    rows
      .map((r) => `${r.name} ${r.coverage80?.toFixed(3) ?? '-'}/${r.coverage95?.toFixed(3) ?? '-'}`)
      .join('; '),
  );
}
