/** Options of `nelderMead`. */
export interface NelderMeadOptions {
  /** Initial step per coordinate (the simplex is x0 plus each step on its own axis). */
  readonly steps: Float64Array;
  /** Stop after this many objective evaluations (R's `maxit`; default 2000). */
  readonly maxEvaluations?: number;
  /** Stop when the simplex's values differ by at most reltol·(|f|+reltol) (default 1e-8, as R). */
  readonly reltol?: number;
  /** Also stop when they differ by at most this much (default 0: off). */
  readonly abstol?: number;
  /**
   * Restarts from the best point with a fresh simplex after convergence, while a restart
   * still improves by more than the tolerance (default 0). Cures stalls of collapsed simplices.
   */
  readonly restarts?: number;
}

export interface NelderMeadResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly evaluations: number;
}

/**
 * Minimises `f` by Nelder–Mead (reflection 1, contraction 0.5, expansion 2, shrink 0.5, as
 * R's `nmmin`). Constraints are expressed by `f` returning +Infinity; `x0` must be feasible.
 * Allocates only its simplex up front.
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: Float64Array,
  options: NelderMeadOptions,
): NelderMeadResult {
  const d = x0.length;
  const maxEval = options.maxEvaluations ?? 2000;
  const reltol = options.reltol ?? 1e-8;
  const abstol = options.abstol ?? 0;
  const pts: Float64Array[] = [];
  const vals = new Float64Array(d + 1);
  let evals = 0;
  for (let i = 0; i <= d; i++) pts.push(new Float64Array(d));
  /** Builds the simplex around `base`: base plus each step on its own axis. */
  const build = (base: Float64Array, fBase: number | undefined): void => {
    for (let i = 0; i <= d; i++) {
      const p = pts[i] as Float64Array;
      p.set(base);
      if (i === 0 && fBase !== undefined) {
        vals[0] = fBase;
        continue;
      }
      if (i > 0) p[i - 1] = (p[i - 1] as number) + (options.steps[i - 1] as number);
      vals[i] = f(p);
      evals++;
      // A vertex outside the feasible region: step back towards base until it is inside.
      let tries = 0;
      while (i > 0 && !Number.isFinite(vals[i] as number) && tries < 8) {
        p[i - 1] =
          (base[i - 1] as number) + ((p[i - 1] as number) - (base[i - 1] as number)) * -0.5;
        vals[i] = f(p);
        evals++;
        tries++;
      }
    }
  };
  build(x0, undefined);
  let restartsLeft = options.restarts ?? 0;
  let lastConverged = Number.POSITIVE_INFINITY;
  const centroid = new Float64Array(d);
  const xr = new Float64Array(d);
  const xe = new Float64Array(d);
  const xc = new Float64Array(d);
  while (evals < maxEval) {
    // Best, worst and second worst in one pass (no sort: this ran once per iteration). Ties
    // go as a stable sort by value would order them: best lowest index, worst highest.
    let best = 0;
    let worst = 0;
    for (let i = 1; i <= d; i++) {
      const v = vals[i] as number;
      if (v < (vals[best] as number)) best = i;
      if (v >= (vals[worst] as number)) worst = i;
    }
    let second = -1;
    for (let i = 0; i <= d; i++) {
      if (i === worst) continue;
      if (second < 0 || (vals[i] as number) >= (vals[second] as number)) second = i;
    }
    const fb = vals[best] as number;
    const fw = vals[worst] as number;
    const tol = Math.max(abstol, reltol * (Math.abs(fb) + reltol));
    if (fw <= fb + tol) {
      if (restartsLeft <= 0 || lastConverged - fb <= tol) break;
      restartsLeft--;
      lastConverged = fb;
      build(Float64Array.from(pts[best] as Float64Array), fb);
      continue;
    }
    centroid.fill(0);
    for (let i = 0; i <= d; i++) {
      if (i === worst) continue;
      const p = pts[i] as Float64Array;
      for (let j = 0; j < d; j++) centroid[j] = (centroid[j] as number) + (p[j] as number) / d;
    }
    const pw = pts[worst] as Float64Array;
    for (let j = 0; j < d; j++) xr[j] = 2 * (centroid[j] as number) - (pw[j] as number);
    const fr = f(xr);
    evals++;
    if (fr < fb) {
      for (let j = 0; j < d; j++) xe[j] = 3 * (centroid[j] as number) - 2 * (pw[j] as number);
      const fe = f(xe);
      evals++;
      if (fe < fr) {
        pw.set(xe);
        vals[worst] = fe;
      } else {
        pw.set(xr);
        vals[worst] = fr;
      }
      continue;
    }
    if (fr < (vals[second] as number)) {
      pw.set(xr);
      vals[worst] = fr;
      continue;
    }
    // Contraction: outside when the reflection improved on the worst, else inside.
    const outside = fr < fw;
    for (let j = 0; j < d; j++) {
      const base = outside ? (xr[j] as number) : (pw[j] as number);
      xc[j] = 0.5 * ((centroid[j] as number) + base);
    }
    const fc = f(xc);
    evals++;
    if (fc < (outside ? fr : fw)) {
      pw.set(xc);
      vals[worst] = fc;
      continue;
    }
    const pb = pts[best] as Float64Array;
    for (let i = 0; i <= d; i++) {
      if (i === best) continue;
      const p = pts[i] as Float64Array;
      for (let j = 0; j < d; j++) p[j] = 0.5 * ((p[j] as number) + (pb[j] as number));
      vals[i] = f(p);
      evals++;
    }
  }
  let bi = 0;
  for (let i = 1; i <= d; i++) if ((vals[i] as number) < (vals[bi] as number)) bi = i;
  return {
    x: Float64Array.from(pts[bi] as Float64Array),
    value: vals[bi] as number,
    evaluations: evals,
  };
}
