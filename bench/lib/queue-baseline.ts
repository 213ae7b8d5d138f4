// The queue dispatcher done the plain way, as the bench's baseline: arrays scanned and sorted
// on every decision. It makes the same choices as src/pbx/queues (a unit test checks that over
// random runs), so the bench's ratio compares like with like.
import type { Offer, QueueMember, QueueStrategy } from '../../src/pbx/queues/types.ts';

interface Agent {
  id: string;
  idx: number;
  skills: Map<string, number>;
  loggedIn: boolean;
  paused: boolean;
  activity: 'idle' | 'ringing' | 'on-call';
  busy: boolean;
  idleSince: number;
  answered: number;
  callerId: string | null;
}

interface Caller {
  id: string;
  enteredAt: number;
  seq: number;
  tags: string[];
  ringing: Set<string>;
  tried: Set<string>;
}

export class BaselineQueue {
  readonly agents: Agent[];
  callers: Caller[] = [];
  #seq = 0;
  #last = -1;

  constructor(
    readonly strategy: QueueStrategy,
    members: readonly QueueMember[],
    private readonly now: () => number,
    private readonly random: () => number,
  ) {
    this.agents = members.map((m, idx) => ({
      id: m.agentId,
      idx,
      skills: new Map(Object.entries(m.skills ?? {}).map(([t, l]) => [t.trim().toLowerCase(), l])),
      loggedIn: false,
      paused: false,
      activity: 'idle',
      busy: false,
      idleSince: now(),
      answered: 0,
      callerId: null,
    }));
  }

  #agent(id: string): Agent | undefined {
    return this.agents.find((a) => a.id === id);
  }

  #free(a: Agent): boolean {
    return a.loggedIn && !a.paused && a.activity === 'idle' && !a.busy;
  }

  /** Runs a change and stamps idleSince when it makes the agent free (as the dispatcher does). */
  #change(id: string, f: (a: Agent) => void, keepIdle = false): void {
    const a = this.#agent(id);
    if (!a) return;
    const before = this.#free(a);
    f(a);
    if (!before && this.#free(a) && !keepIdle) a.idleSince = this.now();
  }

  login(id: string): void {
    this.#change(id, (a) => {
      a.loggedIn = true;
    });
  }
  pause(id: string): void {
    this.#change(id, (a) => {
      a.paused = true;
    });
  }
  unpause(id: string): void {
    this.#change(id, (a) => {
      a.paused = false;
    });
  }
  setBusyElsewhere(id: string, busy: boolean): void {
    this.#change(id, (a) => {
      a.busy = busy;
    });
  }

  enqueue(id: string, tags: readonly string[] = []): void {
    const norm = [...new Set(tags.map((t) => t.trim().toLowerCase()).filter((t) => t))].sort();
    this.callers.push({
      id,
      enteredAt: this.now(),
      seq: this.#seq++,
      tags: norm,
      ringing: new Set(),
      tried: new Set(),
    });
  }

  dispatch(): Offer | undefined {
    const free = this.agents.filter((a) => this.#free(a));
    if (free.length === 0) return undefined;
    if (this.strategy === 'ring-all') {
      const c = this.callers.find((x) => x.ringing.size === 0);
      if (!c) return undefined;
      for (const a of free) this.#ring(c, a);
      return { callerId: c.id, callback: undefined, agents: free.map((a) => this.#offered(a)) };
    }
    const c = this.callers.find((x) => x.ringing.size === 0);
    if (!c) return undefined;
    let candidates = free.filter((a) => !c.tried.has(a.id));
    if (candidates.length === 0) {
      c.tried.clear();
      candidates = free;
    }
    const a = this.#choose(candidates, c.tags);
    if (this.strategy === 'round-robin') this.#last = a.idx;
    this.#ring(c, a);
    return { callerId: c.id, callback: undefined, agents: [this.#offered(a)] };
  }

  #choose(candidates: Agent[], tags: string[]): Agent {
    const n = this.agents.length;
    const idle = (x: Agent, y: Agent) => x.idleSince - y.idleSince || x.idx - y.idx;
    const score = (a: Agent) => {
      let matched = 0;
      let total = 0;
      for (const t of tags) {
        const l = a.skills.get(t);
        if (l !== undefined) {
          matched++;
          total += l;
        }
      }
      return matched * 1000 + total;
    };
    switch (this.strategy) {
      case 'round-robin':
        return candidates.sort(
          (x, y) => ((x.idx - this.#last - 1 + n) % n) - ((y.idx - this.#last - 1 + n) % n),
        )[0] as Agent;
      case 'longest-idle':
        return candidates.sort(idle)[0] as Agent;
      case 'fewest-calls':
        return candidates.sort((x, y) => x.answered - y.answered || idle(x, y))[0] as Agent;
      case 'skills':
        return candidates.sort((x, y) => score(y) - score(x) || idle(x, y))[0] as Agent;
      default:
        return candidates[Math.floor(this.random() * candidates.length)] as Agent;
    }
  }

  #ring(c: Caller, a: Agent): void {
    a.activity = 'ringing';
    a.callerId = c.id;
    c.ringing.add(a.id);
  }

  #offered(a: Agent) {
    return { agentId: a.id, lines: [], ringTimeoutSec: 20 };
  }

  noAnswer(callerId: string, agentId: string): void {
    const c = this.callers.find((x) => x.id === callerId);
    if (c?.ringing.delete(agentId)) c.tried.add(agentId);
    this.#change(
      agentId,
      (a) => {
        a.activity = 'idle';
        a.callerId = null;
      },
      true,
    );
  }

  answered(callerId: string, agentId: string): void {
    const i = this.callers.findIndex((x) => x.id === callerId);
    const c = this.callers[i];
    if (!c) return;
    this.callers.splice(i, 1);
    for (const id of c.ringing) {
      if (id === agentId) continue;
      this.#change(
        id,
        (a) => {
          a.activity = 'idle';
          a.callerId = null;
        },
        true,
      );
    }
    this.#change(agentId, (a) => {
      a.activity = 'on-call';
      a.callerId = callerId;
      a.answered++;
    });
  }

  callEnded(agentId: string): void {
    this.#change(agentId, (a) => {
      a.activity = 'idle';
      a.callerId = null;
    });
  }
}
