// Moves of row blocks between a network buffer's event layout (n rows,
// member q's `columns` values at q·columns) and a stacked layout (event r's
// m-th member as row r·k + m), for the Deep Sets stack/unstack ops.

/**
 * 'gather' reads the event layout `rows` into the stack, to[(r·k + m)·columns + c] =
 * rows[r·rowWidth + members[m]·columns + c]; 'scatter' writes the stack back
 * into `rows`, leaving its other columns as they are.
 */
export function moveMembers(
  dir: 'gather' | 'scatter', rows: Float64Array, stack: Float64Array, n: number, rowWidth: number, members: readonly number[], columns: number,
): void {
  const k = members.length;
  for (let r = 0; r < n; r++) {
    for (let m = 0; m < k; m++) {
      const rowAt = r * rowWidth + members[m] * columns;
      const stackAt = (r * k + m) * columns;
      if (dir === 'gather') for (let c = 0; c < columns; c++) stack[stackAt + c] = rows[rowAt + c];
      else for (let c = 0; c < columns; c++) rows[rowAt + c] = stack[stackAt + c];
    }
  }
}

/** The last `count` values of each of n rows of `from` into the last `count` of each row of `to`. */
export function copyRowTails(from: Float64Array, fromWidth: number, to: Float64Array, toWidth: number, n: number, count: number): void {
  if (count === 0) return;
  for (let r = 0; r < n; r++) to.set(from.subarray((r + 1) * fromWidth - count, (r + 1) * fromWidth), (r + 1) * toWidth - count);
}
