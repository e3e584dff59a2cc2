// Moves of row blocks between a network buffer's event layout (n rows,
// member q's `columns` values at q·columns) and a stacked layout (event r's
// m-th member as row r·k + m), for the Deep Sets stack/unstack ops.

/** Event layout → stack: to[(r·k + m)·columns + c] = from[r·rowWidth + members[m]·columns + c]. */
export function gatherMembers(
  from: Float64Array, n: number, rowWidth: number, members: readonly number[], columns: number, to: Float64Array,
): void {
  const k = members.length;
  for (let r = 0; r < n; r++) {
    for (let m = 0; m < k; m++) {
      const rowAt = r * rowWidth + members[m] * columns;
      const stackAt = (r * k + m) * columns;
      for (let c = 0; c < columns; c++) to[stackAt + c] = from[rowAt + c];
    }
  }
}

/** Stack → event layout, the inverse of gatherMembers; other columns of `to` are left as they are. */
export function scatterMembers(
  from: Float64Array, n: number, rowWidth: number, members: readonly number[], columns: number, to: Float64Array,
): void {
  const k = members.length;
  for (let r = 0; r < n; r++) {
    for (let m = 0; m < k; m++) {
      const rowAt = r * rowWidth + members[m] * columns;
      const stackAt = (r * k + m) * columns;
      for (let c = 0; c < columns; c++) to[rowAt + c] = from[stackAt + c];
    }
  }
}

/** The last `count` values of each of n rows of `from` into the last `count` of each row of `to`. */
export function copyRowTails(from: Float64Array, fromWidth: number, to: Float64Array, toWidth: number, n: number, count: number): void {
  if (count === 0) return;
  for (let r = 0; r < n; r++) to.set(from.subarray((r + 1) * fromWidth - count, (r + 1) * fromWidth), (r + 1) * toWidth - count);
}
