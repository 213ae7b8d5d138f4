// Cursor pagination: ids are time-ordered (UUIDv7), so a page is "id > cursor order by id".
import { z } from 'zod';
import { isUuid } from '../store/ids.ts';
import { badRequest } from './errors.ts';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw badRequest('invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return id;
}

/** Rows are fetched with limit + 1 so a next page is known without a count query. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, map: (r: R) => T) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: more && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null,
  };
}
