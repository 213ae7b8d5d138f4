// Whether a page follows the live events: "Live", or "Reconnecting…" while the stream is down
// (the page then refreshes itself every few seconds). Announced politely to screen readers.
import type { LiveStatus } from '../api/live.ts';

const TEXT: Record<LiveStatus, string> = {
  off: 'Refreshed every few seconds',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

const HINT: Record<LiveStatus, string> = {
  off: 'This page loads its data again every few seconds.',
  connecting: 'Connecting to the live events; refreshing every few seconds meanwhile.',
  live: 'Changes show as they happen.',
  reconnecting: 'The live events stopped; refreshing every few seconds until they are back.',
};

export function LiveIndicator({ status }: { status: LiveStatus }) {
  return (
    <span className={`live-indicator ${status}`} role="status" title={HINT[status]}>
      <span className="live-dot" aria-hidden="true" />
      {TEXT[status]}
    </span>
  );
}
