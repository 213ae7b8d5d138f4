// A queue live: callers waiting (and how long), agents and their states, the service level;
// kept current by the live events (an agent's state and the counts come in the event, a
// caller joining or leaving makes the state load again).
import { call, type Response } from '../api/client.ts';
import type { LiveEvent, LiveUpdate } from '../api/live.ts';
import { formatDuration } from '../lib/format.ts';
import type { Names } from '../lib/names.ts';
import { Badge, Empty } from '../ui/feedback.tsx';

export type Live = Response<'GET /api/queues/{id}/live'>;

type QueueEvent = Extract<LiveEvent, { type: 'queue' }>;

export const loadLive = (id: string, signal?: AbortSignal) =>
  call('GET /api/queues/{id}/live', { params: { id }, signal });

const agentIdOf = (a: Live['agents'][number]) => (a.personId ? `person:${a.personId}` : `line:${a.lineId}`);

/**
 * A queue's live state after one of its events: an agent's new state and the counts are in
 * the event; callers (who joined, the service level when one left) are loaded again.
 */
export function applyQueueEvent(live: Live | undefined, e: QueueEvent): LiveUpdate<Live> {
  if (!live || e.change !== 'agent-state' || !e.agentIds || !e.agentState) return { refetchAfterMs: 250 };
  const ids = new Set(e.agentIds);
  const agents = live.agents.map((a) =>
    ids.has(agentIdOf(a))
      ? { ...a, state: e.agentState as Live['agents'][number]['state'], pauseReason: e.pauseReason ?? null }
      : a,
  );
  return {
    data: {
      ...live,
      agents,
      availableAgents: e.availableAgents,
      // Staffed: logged in and not paused (src/pbx/queues/roster.ts).
      staffedAgents: agents.filter((a) => a.state !== 'logged-out' && a.state !== 'paused').length,
    },
  };
}

const STATE_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'neutral'> = {
  available: 'ok',
  ringing: 'warn',
  'on-call': 'warn',
  'wrap-up': 'neutral',
  paused: 'neutral',
  busy: 'bad',
  'logged-out': 'neutral',
};

export function LiveSummary({ live }: { live: Live }) {
  const sl = live.serviceLevel;
  return (
    <div className="stats compact">
      <div className="stat">
        <span className="stat-value">{live.waiting.length}</span>
        <span className="stat-label">waiting (longest {formatDuration(live.longestWaitSeconds)})</span>
      </div>
      <div className="stat">
        <span className="stat-value">
          {live.availableAgents}/{live.staffedAgents}
        </span>
        <span className="stat-label">agents available</span>
      </div>
      <div className="stat">
        <span className="stat-value">{sl.percent === null ? '—' : `${Math.round(sl.percent)}%`}</span>
        <span className="stat-label">answered within {sl.thresholdSeconds} s</span>
      </div>
      <div className="stat">
        <span className="stat-value">
          {live.estimatedWaitSeconds === null ? '—' : formatDuration(live.estimatedWaitSeconds)}
        </span>
        <span className="stat-label">estimated wait</span>
      </div>
    </div>
  );
}

export function LiveDetail({ live, names }: { live: Live; names: Names | undefined }) {
  return (
    <div className="grid-2">
      <div>
        <h3>Callers waiting</h3>
        {live.waiting.length === 0 ? (
          <Empty>Nobody is waiting.</Empty>
        ) : (
          <ol className="plain-list">
            {live.waiting.map((w) => (
              <li key={w.callerId}>
                {w.number ?? 'unknown number'} · waiting {formatDuration(w.waitedSeconds)}
                {w.callback ? <Badge>callback to {w.callback.number}</Badge> : null}
                {w.ringing.length ? <Badge tone="warn">ringing {w.ringing.length}</Badge> : null}
              </li>
            ))}
          </ol>
        )}
      </div>
      <div>
        <h3>Agents</h3>
        {live.agents.length === 0 ? (
          <Empty>No members yet.</Empty>
        ) : (
          <ul className="plain-list">
            {live.agents.map((a) => (
              <li key={a.memberId}>
                <Badge tone={STATE_TONE[a.state] ?? 'neutral'}>{a.state}</Badge>{' '}
                {names?.person(a.personId) ?? names?.line(a.lineId) ?? 'member'}
                {a.pauseReason ? <span className="muted"> ({a.pauseReason})</span> : null}
                <span className="muted"> · {a.callsAnswered} answered today</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
