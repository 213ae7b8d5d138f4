// Checks of a queue's settings and members before the dispatcher takes them, and the one way
// caller tags and skill names are compared (trimmed, lower case).
import {
  QUEUE_LIMITS,
  QUEUE_STRATEGIES,
  QueueInputError,
  type QueueMember,
  type QueueSettings,
} from './types.ts';

const MAX_SECONDS = 7 * 86_400;

function seconds(value: unknown, field: string, min: number, max = MAX_SECONDS): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new QueueInputError(`${field} must be a whole number of seconds from ${min} to ${max}`, field);
  }
  return value;
}

export function validateSettings(s: QueueSettings): QueueSettings {
  if (!QUEUE_STRATEGIES.includes(s.strategy)) {
    throw new QueueInputError(`strategy must be one of ${QUEUE_STRATEGIES.join(', ')}`, 'strategy');
  }
  seconds(s.ringTimeoutSec, 'ringTimeoutSec', 1, 600);
  seconds(s.wrapUpSec, 'wrapUpSec', 0, 3600);
  seconds(s.retrySec, 'retrySec', 0, 300);
  if (s.maxWaitSec !== null) seconds(s.maxWaitSec, 'maxWaitSec', 1);
  if (s.maxSize !== null) {
    if (!Number.isInteger(s.maxSize) || s.maxSize < 0 || s.maxSize > QUEUE_LIMITS.waitingCallers) {
      throw new QueueInputError(`maxSize must be from 0 to ${QUEUE_LIMITS.waitingCallers}`, 'maxSize');
    }
  }
  seconds(s.serviceLevelSec, 'serviceLevelSec', 1, 3600);
  seconds(s.serviceLevelWindowSec, 'serviceLevelWindowSec', 60, 7 * 86_400);
  if (
    !Number.isInteger(s.handleTimeSamples) ||
    s.handleTimeSamples < 1 ||
    s.handleTimeSamples > QUEUE_LIMITS.handleTimeSamples
  ) {
    throw new QueueInputError(
      `handleTimeSamples must be from 1 to ${QUEUE_LIMITS.handleTimeSamples}`,
      'handleTimeSamples',
    );
  }
  return { ...s };
}

export function normalizeTag(tag: string): string {
  return tag.trim().toLowerCase();
}

/**
 * A caller's tags as the skills strategy compares them: trimmed, lower case, unique, sorted
 * (one key per set), empty and over-long ones dropped, at most 16. Tags come from a flow at
 * call time, where refusing the call for a bad tag would be worse than ignoring the tag.
 */
export function normalizeTags(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const t of tags) {
    const n = normalizeTag(t);
    if (n.length > 0 && n.length <= QUEUE_LIMITS.tagLength) out.add(n);
    if (out.size === QUEUE_LIMITS.callerTags) break;
  }
  return [...out].sort();
}

export function validateMembers(members: readonly QueueMember[]): void {
  if (members.length > QUEUE_LIMITS.members) {
    throw new QueueInputError(`a queue has at most ${QUEUE_LIMITS.members} members`, 'members');
  }
  const seen = new Set<string>();
  for (const [i, m] of members.entries()) {
    const at = `members.${i}`;
    if (typeof m.agentId !== 'string' || m.agentId.length === 0 || m.agentId.length > 200) {
      throw new QueueInputError('agentId must be a non-empty string', `${at}.agentId`);
    }
    if (seen.has(m.agentId))
      throw new QueueInputError(`${m.agentId} is a member twice`, `${at}.agentId`, 409);
    seen.add(m.agentId);
    if (m.ringTimeoutSec !== undefined && m.ringTimeoutSec !== null) {
      seconds(m.ringTimeoutSec, `${at}.ringTimeoutSec`, 1, 600);
    }
    const skills = Object.entries(m.skills ?? {});
    if (skills.length > QUEUE_LIMITS.agentSkills) {
      throw new QueueInputError(`at most ${QUEUE_LIMITS.agentSkills} skills per member`, `${at}.skills`);
    }
    const names = new Set<string>();
    for (const [tag, level] of skills) {
      const n = normalizeTag(tag);
      if (n.length === 0 || n.length > QUEUE_LIMITS.tagLength) {
        throw new QueueInputError(
          `skill names are 1 to ${QUEUE_LIMITS.tagLength} characters`,
          `${at}.skills`,
        );
      }
      if (names.has(n)) throw new QueueInputError(`skill '${n}' is given twice`, `${at}.skills`);
      names.add(n);
      if (
        !Number.isInteger(level) ||
        level < QUEUE_LIMITS.skillLevelMin ||
        level > QUEUE_LIMITS.skillLevelMax
      ) {
        throw new QueueInputError(
          `skill '${n}' level must be from ${QUEUE_LIMITS.skillLevelMin} to ${QUEUE_LIMITS.skillLevelMax}`,
          `${at}.skills`,
        );
      }
    }
  }
}
