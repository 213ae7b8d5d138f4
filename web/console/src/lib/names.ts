// Names for ids in lists: people by id and lines by id (a call record names lines).
import { allPages, call } from '../api/client.ts';
import { useQuery } from '../api/hooks.ts';
import { fullName } from './format.ts';

export interface Names {
  person: (id: string | null | undefined) => string | undefined;
  line: (id: string | null | undefined) => string | undefined;
}

export function useNames(enabled = true) {
  return useQuery<Names>(
    async (signal) => {
      if (!enabled) return { person: () => undefined, line: () => undefined };
      const [people, lines] = await Promise.all([
        allPages((cursor) => call('GET /api/people', { query: { limit: 200, cursor }, signal })),
        allPages((cursor) => call('GET /api/lines', { query: { limit: 200, cursor }, signal })),
      ]);
      const byPerson = new Map(
        people.map((p) => [p.id, fullName(p) + (p.extension ? ` (${p.extension})` : '')]),
      );
      const byLine = new Map(lines.map((l) => [l.id, byPerson.get(l.personId) ?? l.sipUsername]));
      return {
        person: (id) => (id ? byPerson.get(id) : undefined),
        line: (id) => (id ? byLine.get(id) : undefined),
      };
    },
    [enabled],
  );
}
