// One call record as a table row: when, direction, who called whom, how it ended, how long.
import type { Response } from '../api/client.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import type { Names } from '../lib/names.ts';
import { Badge } from '../ui/feedback.tsx';

export type CallRecord = Response<'GET /api/calls'>['items'][number];

export const CALL_COLUMNS = ['Started', 'Direction', 'From', 'To', 'Result', 'Duration', 'Cost'] as const;

const TONES: Record<CallRecord['disposition'], 'ok' | 'warn' | 'bad' | 'neutral'> = {
  answered: 'ok',
  busy: 'warn',
  'no-answer': 'warn',
  cancelled: 'neutral',
  failed: 'bad',
  rejected: 'bad',
};

function party(number: string, lineId: string | null, names: Names | undefined, name?: string | null) {
  const who = names?.line(lineId) ?? name;
  return who ? (
    <>
      {who}
      <span className="muted"> {number}</span>
    </>
  ) : (
    number
  );
}

export function CallRow({
  call: c,
  names,
  compact,
  onOpen,
}: {
  call: CallRecord;
  names: Names | undefined;
  compact?: boolean;
  onOpen?: () => void;
}) {
  return (
    <tr>
      <td>{formatDateTime(c.startedAt)}</td>
      <td>{c.direction}</td>
      <td>{party(c.callerNumber, c.callerLineId, names, c.callerName)}</td>
      <td>{party(c.calleeNumber, c.calleeLineId, names)}</td>
      <td>
        <Badge tone={TONES[c.disposition]}>{c.disposition}</Badge>
      </td>
      {compact ? null : (
        <>
          <td className="num">{formatDuration(c.durationSeconds)}</td>
          <td className="num">{c.cost}</td>
        </>
      )}
      {onOpen ? (
        <td>
          <button type="button" className="btn small" onClick={onOpen}>
            Details
          </button>
        </td>
      ) : null}
    </tr>
  );
}
