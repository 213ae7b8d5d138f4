// The callers waiting in one queue, first come first served by entry time. A callback request
// keeps its entry (and so its place); one put back after a failed dial-back returns to it.
// Three views are kept in step: the line in order (positions, by binary search), the callers
// free to be offered (a heap by entry), and the live callers with a deadline (a heap by it).
import { IndexHeap } from './index-heap.ts';
import type { CallbackRequest } from './types.ts';

export interface WaitingCaller {
  readonly slot: number;
  readonly id: string;
  /** Tie-break between equal entry times: order of arrival. */
  readonly seq: number;
  readonly enteredAt: number;
  readonly tags: readonly string[];
  callback: CallbackRequest | undefined;
  /** When a live caller times out; Infinity without a maximum wait, or for a callback. */
  expireAt: number;
  /** Agents ringing for this caller now. */
  readonly ringing: Set<string>;
  /** Agents who did not answer it; offered again only when nobody else is free. */
  readonly tried: Set<string>;
}

const before = (a: WaitingCaller, b: WaitingCaller): boolean =>
  a.enteredAt !== b.enteredAt ? a.enteredAt < b.enteredAt : a.seq < b.seq;

export class WaitingLine {
  readonly #byId = new Map<string, WaitingCaller>();
  readonly #bySlot: (WaitingCaller | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  /** Everyone waiting, in order of entry. */
  readonly #order: WaitingCaller[] = [];
  /** Callers ringing no agent now, by entry. */
  readonly #idle: IndexHeap;
  /** Live callers with a maximum wait, by deadline. */
  readonly #deadlines: IndexHeap;
  #seq = 0;

  constructor() {
    const at = (s: number) => this.#bySlot[s] as WaitingCaller;
    this.#idle = new IndexHeap(64, (a, b) => before(at(a), at(b)));
    this.#deadlines = new IndexHeap(64, (a, b) => at(a).expireAt < at(b).expireAt);
  }

  get size(): number {
    return this.#order.length;
  }

  get(id: string): WaitingCaller | undefined {
    return this.#byId.get(id);
  }

  /** The caller at the front of the line. */
  first(): WaitingCaller | undefined {
    return this.#order[0];
  }

  /** The longest-waiting caller not ringing anyone. */
  firstIdle(): WaitingCaller | undefined {
    const s = this.#idle.peek();
    return s === undefined ? undefined : this.#bySlot[s];
  }

  /** The caller whose deadline comes first. */
  firstDeadline(): WaitingCaller | undefined {
    const s = this.#deadlines.peek();
    return s === undefined ? undefined : this.#bySlot[s];
  }

  add(
    id: string,
    enteredAt: number,
    tags: readonly string[],
    callback: CallbackRequest | undefined,
    expireAt: number,
  ): WaitingCaller {
    const slot = this.#freeSlots.pop() ?? this.#bySlot.length;
    const caller: WaitingCaller = {
      slot,
      id,
      seq: this.#seq++,
      enteredAt,
      tags,
      callback,
      expireAt,
      ringing: new Set(),
      tried: new Set(),
    };
    this.#bySlot[slot] = caller;
    this.#byId.set(id, caller);
    this.#order.splice(this.#insertAt(caller), 0, caller);
    this.#idle.push(slot);
    if (Number.isFinite(expireAt)) this.#deadlines.push(slot);
    return caller;
  }

  remove(caller: WaitingCaller): void {
    if (this.#byId.get(caller.id) !== caller) return;
    this.#byId.delete(caller.id);
    this.#order.splice(this.#indexOf(caller), 1);
    this.#idle.remove(caller.slot);
    this.#deadlines.remove(caller.slot);
    this.#bySlot[caller.slot] = undefined;
    this.#freeSlots.push(caller.slot);
  }

  /** 1-based place in line. */
  position(caller: WaitingCaller): number {
    return this.#indexOf(caller) + 1;
  }

  /** Call after changing `ringing`: a caller ringing nobody can be offered again. */
  ringingChanged(caller: WaitingCaller): void {
    if (caller.ringing.size === 0) this.#idle.push(caller.slot);
    else this.#idle.remove(caller.slot);
  }

  /** Call after changing `expireAt` (a callback has none; settings changed). */
  deadlineChanged(caller: WaitingCaller): void {
    this.#deadlines.remove(caller.slot);
    if (Number.isFinite(caller.expireAt)) this.#deadlines.push(caller.slot);
  }

  values(): readonly WaitingCaller[] {
    return this.#order;
  }

  /** Index of the first caller not before `c` (binary search on entry time, then arrival). */
  #insertAt(c: WaitingCaller): number {
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.#order[mid] as WaitingCaller, c)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexOf(c: WaitingCaller): number {
    return this.#insertAt(c);
  }
}
