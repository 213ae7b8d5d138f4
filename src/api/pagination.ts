// Cursor pagination: ids are time-ordered (UUIDv7), so a page is "id > cursor order by id".
import { and, asc, gt, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../store/database.ts';
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

type PagedTable = PgTable & { id: AnyPgColumn; $inferSelect: { id: string } };

/** One page of a table in id order, filtered by `where`, mapped for the response. */
export async function listPage<T extends PagedTable, V>(
  db: Db,
  table: T,
  query: { limit: number; cursor?: string | undefined },
  map: (row: T['$inferSelect']) => V,
  ...where: (SQL | undefined)[]
) {
  const after = decodeCursor(query.cursor);
  const rows = (await db
    .select()
    .from(table as PgTable)
    .where(and(...where, after ? gt(table.id, after) : undefined))
    .orderBy(asc(table.id))
    .limit(query.limit + 1)) as T['$inferSelect'][];
  return toPage(rows, query.limit, map);
}
