// The free agents of a queue, ordered the way its strategy picks them. Each strategy keeps an
// index that is updated when an agent becomes free or stops being free, so a decision is a
// heap peek or a short bit scan, never a sort of all members.
import { IndexHeap } from './index-heap.ts';
import type { QueueStrategy } from './types.ts';

/** What the indexes read of an agent. Keys used for ordering never change while it is free. */
export interface AgentKeys {
  readonly id: string;
  /** Place in the member list: round-robin order and the last tie-break. */
  readonly idx: number;
  readonly skills: ReadonlyMap<string, number>;
  /** When the agent last became available (login, unpause, end of a call or its wrap-up). */
  idleSince: number;
  /** Calls of this queue answered in the current counting day. */
  answered: number;
}

/** The free agents, in a dense array: O(1) add, remove, count and uniform choice. */
export class FreeSet {
  readonly items: number[] = [];
  #pos = new Int32Array(16).fill(-1);

  get size(): number {
    return this.items.length;
  }

  has(idx: number): boolean {
    return idx < this.#pos.length && (this.#pos[idx] as number) >= 0;
  }

  add(idx: number): void {
    if (this.has(idx)) return;
    if (idx >= this.#pos.length) {
      const next = new Int32Array(Math.max(idx + 1, this.#pos.length * 2)).fill(-1);
      next.set(this.#pos);
      this.#pos = next;
    }
    this.#pos[idx] = this.items.length;
    this.items.push(idx);
  }

  remove(idx: number): void {
    if (!this.has(idx)) return;
    const i = this.#pos[idx] as number;
    const last = this.items.pop() as number;
    this.#pos[idx] = -1;
    if (i < this.items.length) {
      this.items[i] = last;
      this.#pos[last] = i;
    }
  }

  clear(): void {
    for (const i of this.items) this.#pos[i] = -1;
    this.items.length = 0;
  }
}

/** A strategy's ordering of the free agents. */
export interface StrategyIndex {
  add(idx: number): void;
  remove(idx: number): void;
  /** Rebuilds from the free set (members changed, or the counting day rolled over). */
  rebuild(): void;
  /**
   * The agent this strategy offers a caller with these (normalized) tags, skipping those
   * `skip` refuses; undefined when none is left. Picking is offering: round robin moves on.
   */
  pick(tags: readonly string[], skip: (idx: number) => boolean): number | undefined;
}

const longestIdle =
  (agents: readonly AgentKeys[]) =>
  (a: number, b: number): boolean => {
    const x = agents[a] as AgentKeys;
    const y = agents[b] as AgentKeys;
    return x.idleSince !== y.idleSince ? x.idleSince < y.idleSince : a < b;
  };

const fewestCalls =
  (agents: readonly AgentKeys[]) =>
  (a: number, b: number): boolean => {
    const x = agents[a] as AgentKeys;
    const y = agents[b] as AgentKeys;
    if (x.answered !== y.answered) return x.answered < y.answered;
    return x.idleSince !== y.idleSince ? x.idleSince < y.idleSince : a < b;
  };

/** The best heap member that `skip` accepts; the skipped ones are put back. */
function pickFromHeap(heap: IndexHeap, skip: (idx: number) => boolean): number | undefined {
  const top = heap.peek();
  if (top === undefined || !skip(top)) return top;
  const aside: number[] = [];
  let found: number | undefined;
  for (let x = heap.pop(); x !== undefined; x = heap.pop()) {
    aside.push(x);
    if (!skip(x)) {
      found = x;
      break;
    }
  }
  for (const x of aside) heap.push(x);
  return found;
}

class HeapIndex implements StrategyIndex {
  readonly #heap: IndexHeap;
  constructor(
    private readonly free: FreeSet,
    less: (a: number, b: number) => boolean,
    capacity: number,
  ) {
    this.#heap = new IndexHeap(capacity, less);
  }
  add(idx: number): void {
    this.#heap.push(idx);
  }
  remove(idx: number): void {
    this.#heap.remove(idx);
  }
  rebuild(): void {
    this.#heap.rebuild(this.free.items);
  }
  pick(_tags: readonly string[], skip: (idx: number) => boolean): number | undefined {
    return pickFromHeap(this.#heap, skip);
  }
}

/**
 * Round robin: members in list order, as a circle; each offer starts after the agent offered
 * last, across calls. A bitset of free agents makes "next free after i" a scan of 32-bit words.
 */
export class RoundRobinIndex implements StrategyIndex {
  #bits: Uint32Array;
  /** The member offered last (its list place), -1 before the first offer. */
  last = -1;

  constructor(
    private readonly free: FreeSet,
    private readonly count: number,
  ) {
    this.#bits = new Uint32Array(Math.max(1, Math.ceil(count / 32)));
  }
  add(idx: number): void {
    this.#bits[idx >>> 5] = (this.#bits[idx >>> 5] as number) | (1 << (idx & 31));
  }
  remove(idx: number): void {
    this.#bits[idx >>> 5] = (this.#bits[idx >>> 5] as number) & ~(1 << (idx & 31));
  }
  rebuild(): void {
    this.#bits.fill(0);
    for (const i of this.free.items) this.add(i);
  }
  pick(_tags: readonly string[], skip: (idx: number) => boolean): number | undefined {
    const n = this.count;
    if (n === 0) return undefined;
    const start = (this.last + 1) % n;
    // Two passes over the circle: [start, n) then [0, start).
    const found = this.#scan(start, n, skip) ?? this.#scan(0, start, skip);
    if (found !== undefined) this.last = found;
    return found;
  }

  #scan(from: number, to: number, skip: (idx: number) => boolean): number | undefined {
    let i = from;
    while (i < to) {
      const word = (this.#bits[i >>> 5] as number) >>> (i & 31);
      if (word === 0) {
        i = ((i >>> 5) + 1) << 5; // next word
        continue;
      }
      i += 31 - Math.clz32(word & -word); // lowest set bit at or after i
      if (i >= to) return undefined;
      if (!skip(i)) return i;
      i++;
    }
    return undefined;
  }
}

class RandomIndex implements StrategyIndex {
  constructor(
    private readonly free: FreeSet,
    private readonly random: () => number,
  ) {}
  add(): void {}
  remove(): void {}
  rebuild(): void {}
  pick(_tags: readonly string[], skip: (idx: number) => boolean): number | undefined {
    const items = this.free.items;
    if (items.length === 0) return undefined;
    // A few draws find an acceptable agent unless most were skipped; then choose among the rest.
    for (let tries = 0; tries < 4; tries++) {
      const i = items[Math.floor(this.random() * items.length)] as number;
      if (!skip(i)) return i;
    }
    const rest = items.filter((i) => !skip(i));
    return rest.length === 0 ? undefined : rest[Math.floor(this.random() * rest.length)];
  }
}

/** How many tag sets keep a ranked heap at once; older ones are rebuilt when seen again. */
const SKILL_SETS_CACHED = 64;
/** Above any total of levels (16 tags x level 10), so the match count always ranks first. */
const MATCH_WEIGHT = 1000;

interface SkillRanking {
  tags: readonly string[];
  score: Float64Array;
  heap: IndexHeap;
}

/**
 * Skills-based: for a caller's tags, agents ranked by
 *   1. how many of the caller's tags they have (all of them first, then partial matches),
 *   2. the sum of their levels on those tags (1 novice … 10 expert), highest first,
 *   3. longest idle, then list order.
 * Agents with none of the tags still come last, so a caller is never stranded while someone
 * is free. Each distinct tag set seen keeps its own heap over the free agents (up to 64 sets),
 * so a decision is a heap peek; an untagged caller goes to the longest idle agent.
 */
export class SkillsIndex implements StrategyIndex {
  readonly #idle: IndexHeap;
  readonly #sets = new Map<string, SkillRanking>();

  constructor(
    private readonly free: FreeSet,
    private readonly agents: readonly AgentKeys[],
  ) {
    this.#idle = new IndexHeap(agents.length, longestIdle(agents));
  }

  add(idx: number): void {
    this.#idle.push(idx);
    for (const set of this.#sets.values()) {
      set.score[idx] = this.#score(set.tags, idx);
      set.heap.push(idx);
    }
  }
  remove(idx: number): void {
    this.#idle.remove(idx);
    for (const set of this.#sets.values()) set.heap.remove(idx);
  }
  rebuild(): void {
    this.#idle.rebuild(this.free.items);
    this.#sets.clear();
  }
  pick(tags: readonly string[], skip: (idx: number) => boolean): number | undefined {
    if (tags.length === 0) return pickFromHeap(this.#idle, skip);
    return pickFromHeap(this.#ranking(tags).heap, skip);
  }

  #ranking(tags: readonly string[]): SkillRanking {
    const key = tags.join('\n');
    const hit = this.#sets.get(key);
    if (hit) {
      // Most recently used last, so the first key is the one to evict.
      this.#sets.delete(key);
      this.#sets.set(key, hit);
      return hit;
    }
    const score = new Float64Array(this.agents.length);
    const idle = longestIdle(this.agents);
    const heap = new IndexHeap(this.agents.length, (a, b) =>
      score[a] !== score[b] ? (score[a] as number) > (score[b] as number) : idle(a, b),
    );
    const set: SkillRanking = { tags, score, heap };
    for (const i of this.free.items) score[i] = this.#score(tags, i);
    heap.rebuild(this.free.items);
    if (this.#sets.size >= SKILL_SETS_CACHED) this.#sets.delete(this.#sets.keys().next().value as string);
    this.#sets.set(key, set);
    return set;
  }

  #score(tags: readonly string[], idx: number): number {
    const skills = (this.agents[idx] as AgentKeys).skills;
    let matched = 0;
    let total = 0;
    for (const t of tags) {
      const level = skills.get(t);
      if (level !== undefined) {
        matched++;
        total += level;
      }
    }
    return matched * MATCH_WEIGHT + total;
  }
}

export function strategyIndex(
  strategy: QueueStrategy,
  free: FreeSet,
  agents: readonly AgentKeys[],
  random: () => number,
): StrategyIndex | undefined {
  switch (strategy) {
    case 'ring-all':
      return undefined; // every free agent at once: the free set is the index
    case 'round-robin':
      return new RoundRobinIndex(free, agents.length);
    case 'longest-idle':
      return new HeapIndex(free, longestIdle(agents), agents.length);
    case 'fewest-calls':
      return new HeapIndex(free, fewestCalls(agents), agents.length);
    case 'skills':
      return new SkillsIndex(free, agents);
    case 'random':
      return new RandomIndex(free, random);
  }
}
