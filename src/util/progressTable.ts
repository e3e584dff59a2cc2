// Progress as a table: a header line naming the columns once, then one
// right-aligned row per epoch or boosting round. Rows fit 80 columns with
// the logger's "HH:MM:SS " prefix, where the earlier "train MSE … val MSE
// … samples/s" sentences took ~120 and wrapped.

export interface ProgressColumn {
  readonly title: string;
  readonly width: number;
}

export function progressHeader(columns: readonly ProgressColumn[]): string {
  return columns.map((c) => c.title.padStart(c.width)).join('  ');
}

/** Cells wider than their column push the rest right rather than being cut: a number is never truncated. */
export function progressRow(columns: readonly ProgressColumn[], cells: readonly string[]): string {
  if (cells.length !== columns.length) throw new RangeError(`progressRow: ${cells.length} cells for ${columns.length} columns`);
  return cells.map((cell, i) => cell.padStart(Math.max(columns[i].width, columns[i].title.length))).join('  ');
}

/** 2.650e-1 (4 significant digits), the losses' format. */
export function sci(v: number, digits = 3): string {
  return v.toExponential(digits);
}
