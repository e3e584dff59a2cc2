/**
 * Work buffers per batch size, for the network executor: the training batch
 * and the validation and prediction chunks alternate, so a few sizes are kept
 * and the least recently used one goes first. Making a buffer allocates; a
 * hit allocates nothing, so a training step allocates nothing.
 */
export class BatchCache<W> {
  private readonly entries = new Map<number, W>();

  constructor(private readonly make: (n: number) => W, private readonly capacity = 4) {}

  get(n: number): W {
    let w = this.entries.get(n);
    if (w !== undefined) {
      // Re-inserted, so insertion order is recency order.
      this.entries.delete(n);
    } else {
      w = this.make(n);
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as number);
    }
    this.entries.set(n, w);
    return w;
  }
}
