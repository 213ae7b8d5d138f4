// A binary min-heap of small integers (agent or caller slots) that knows where each one sits,
// so removing any member is O(log n) instead of a scan. The dispatcher keeps one per ordering
// (longest idle, fewest calls, a skill set, callers by entry time) and never sorts per decision.

export class IndexHeap {
  #items: number[] = [];
  /** Position of each slot in #items, -1 when absent. */
  #pos: Int32Array;

  constructor(
    capacity: number,
    /** Strict order: true when a must come out before b. Keys must not change while inside. */
    private readonly less: (a: number, b: number) => boolean,
  ) {
    this.#pos = new Int32Array(Math.max(1, capacity)).fill(-1);
  }

  get size(): number {
    return this.#items.length;
  }

  has(slot: number): boolean {
    return slot < this.#pos.length && (this.#pos[slot] as number) >= 0;
  }

  peek(): number | undefined {
    return this.#items[0];
  }

  push(slot: number): void {
    if (this.has(slot)) return;
    this.#grow(slot + 1);
    this.#items.push(slot);
    this.#pos[slot] = this.#items.length - 1;
    this.#up(this.#items.length - 1);
  }

  pop(): number | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  remove(slot: number): boolean {
    if (!this.has(slot)) return false;
    const i = this.#pos[slot] as number;
    const last = this.#items.pop() as number;
    this.#pos[slot] = -1;
    if (i < this.#items.length) {
      this.#items[i] = last;
      this.#pos[last] = i;
      // The moved element can belong either above or below its new place.
      if (!this.#up(i)) this.#down(i);
    }
    return true;
  }

  /** Replaces the contents with `slots` in O(n) (Floyd's heap construction). */
  rebuild(slots: Iterable<number>): void {
    for (const s of this.#items) this.#pos[s] = -1;
    this.#items = [];
    for (const s of slots) {
      if (this.has(s)) continue;
      this.#grow(s + 1);
      this.#pos[s] = this.#items.length;
      this.#items.push(s);
    }
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  values(): readonly number[] {
    return this.#items;
  }

  #grow(n: number): void {
    if (n <= this.#pos.length) return;
    const next = new Int32Array(Math.max(n, this.#pos.length * 2)).fill(-1);
    next.set(this.#pos);
    this.#pos = next;
  }

  #up(i: number): boolean {
    const items = this.#items;
    const x = items[i] as number;
    const start = i;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as number;
      if (!this.less(x, parent)) break;
      items[i] = parent;
      this.#pos[parent] = i;
      i = p;
    }
    items[i] = x;
    this.#pos[x] = i;
    return i !== start;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const x = items[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(items[r] as number, items[l] as number)) c = r;
      const child = items[c] as number;
      if (!this.less(child, x)) break;
      items[i] = child;
      this.#pos[child] = i;
      i = c;
    }
    items[i] = x;
    this.#pos[x] = i;
  }
}
