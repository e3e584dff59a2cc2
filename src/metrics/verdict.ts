// Paper 1's requirement as a yes/no answer, with the statistics a reader
// needs to trust it: R_τ counts points, so it carries a binomial standard
// error, and a pass within two of those errors of the line is not a pass a
// physicist should quote.

/** Paper 1: |δ| < 1 % over more than 90 % of the domain. */
export const CRITERION = { tauPct: 1, sharePct: 90 } as const;

export interface Verdict {
  /** "R_1 > 90 %". */
  readonly criterion: string;
  readonly holds: boolean;
  readonly R_1_pct: number;
  readonly R_1_stderr_pct: number;
  /** |R_1 − 90 %| is less than two standard errors: the sign of the verdict is not settled. */
  readonly marginal: boolean;
  /** The τ (in %) below which 90 % of the points' |δ| fall: the 90th percentile of |δ|. */
  readonly tau90_pct: number;
}

/** Standard error, in percentage points, of a share R (in %) of n independent points: sqrt(R(1−R)/n). */
export function binomialStderrPct(rPct: number, n: number): number {
  const r = rPct / 100;
  return 100 * Math.sqrt((r * (1 - r)) / n);
}

export function verdictOf(r1Pct: number, n: number, tau90Pct: number): Verdict {
  const se = binomialStderrPct(r1Pct, n);
  return {
    criterion: `R_${CRITERION.tauPct} > ${CRITERION.sharePct} %`,
    holds: r1Pct > CRITERION.sharePct,
    R_1_pct: r1Pct,
    R_1_stderr_pct: se,
    marginal: Math.abs(r1Pct - CRITERION.sharePct) < 2 * se,
    tau90_pct: tau90Pct,
  };
}

/**
 * One line saying whether the criterion holds and where 90 % of the points
 * fall; ≤ 80 columns for any R_1 and τ. Within two standard errors of the
 * line the answer is "undecided": more test points would settle it.
 */
export function formatVerdict(v: Verdict, split: string): string {
  const answer = v.marginal ? 'undecided' : v.holds ? 'holds' : 'fails';
  const tau = Number.isFinite(v.tau90_pct) ? `90 % have |δ| < ${fmtTau(v.tau90_pct)} %` : '>10 % not finite';
  return `verdict (${split}): ${v.criterion} ${answer}: ${v.R_1_pct.toFixed(2)} ± ${v.R_1_stderr_pct.toFixed(2)} %; ${tau}`;
}

function fmtTau(pct: number): string {
  return pct >= 0.01 ? pct.toPrecision(3) : pct.toExponential(2);
}
