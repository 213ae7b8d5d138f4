// Voicemail boxes and messages in the database, and the messages' WAV files under
// DATA_DIR/voicemail/<tenant>/. Every person and every queue has a box (spec 000
// "Voicemail"): it is made the first time it is needed, so no other code has to create it.
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { newId } from '../../store/ids.ts';
import { people, queues, voicemailBoxes, voicemailMessages } from '../../store/schema.ts';

export type BoxRow = typeof voicemailBoxes.$inferSelect;
export type MessageRow = typeof voicemailMessages.$inferSelect;
export type MessageStatus = MessageRow['status'];

/** A box keeps at most this many messages; a caller to a full box is told so. */
export const MAX_MESSAGES_PER_BOX = 500;

export interface MessageCounts {
  new: number;
  old: number;
}

export interface NewMessage {
  tenantId: string;
  boxId: string;
  id: string;
  callId: string | null;
  callerNumber: string;
  callerName: string | null;
  durationMs: number;
  /** Relative to DATA_DIR. */
  path: string;
  bytes: number;
}

const personName = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`.trim();

export class VoicemailStore {
  constructor(
    private readonly db: Db,
    readonly dataDir: string,
  ) {}

  /** Where a message's WAV goes, relative to DATA_DIR (ids are ours: no path from outside). */
  messageKey(tenantId: string, messageId: string): string {
    return join('voicemail', tenantId, `${messageId}.wav`);
  }

  absolute(relative: string): string {
    return join(this.dataDir, relative);
  }

  async box(tenantId: string, boxId: string): Promise<BoxRow | undefined> {
    const [row] = await this.db
      .select()
      .from(voicemailBoxes)
      .where(and(eq(voicemailBoxes.tenantId, tenantId), eq(voicemailBoxes.id, boxId)));
    return row;
  }

  /** The person's box, made on first use. Undefined when the person is not the tenant's. */
  async personBox(tenantId: string, personId: string): Promise<BoxRow | undefined> {
    const found = await this.byOwner(tenantId, eq(voicemailBoxes.personId, personId));
    if (found) return found;
    const [p] = await this.db
      .select({ firstName: people.firstName, lastName: people.lastName })
      .from(people)
      .where(and(eq(people.tenantId, tenantId), eq(people.id, personId)));
    if (!p) return undefined;
    await this.db
      .insert(voicemailBoxes)
      .values({ id: newId(), tenantId, personId, name: personName(p) })
      .onConflictDoNothing();
    return this.byOwner(tenantId, eq(voicemailBoxes.personId, personId));
  }

  /** The queue's box, made on first use. */
  async queueBox(tenantId: string, queueId: string): Promise<BoxRow | undefined> {
    const found = await this.byOwner(tenantId, eq(voicemailBoxes.queueId, queueId));
    if (found) return found;
    const [q] = await this.db
      .select({ name: queues.name })
      .from(queues)
      .where(and(eq(queues.tenantId, tenantId), eq(queues.id, queueId)));
    if (!q) return undefined;
    await this.db
      .insert(voicemailBoxes)
      .values({ id: newId(), tenantId, queueId, name: q.name })
      .onConflictDoNothing();
    return this.byOwner(tenantId, eq(voicemailBoxes.queueId, queueId));
  }

  /** Makes the boxes of every person and queue of the tenant that has none yet. */
  async ensureBoxes(tenantId: string): Promise<void> {
    const lonelyPeople = await this.db
      .select({ id: people.id, firstName: people.firstName, lastName: people.lastName })
      .from(people)
      .leftJoin(voicemailBoxes, eq(voicemailBoxes.personId, people.id))
      .where(and(eq(people.tenantId, tenantId), isNull(voicemailBoxes.id)));
    const lonelyQueues = await this.db
      .select({ id: queues.id, name: queues.name })
      .from(queues)
      .leftJoin(voicemailBoxes, eq(voicemailBoxes.queueId, queues.id))
      .where(and(eq(queues.tenantId, tenantId), isNull(voicemailBoxes.id)));
    const rows = [
      ...lonelyPeople.map((p) => ({ id: newId(), tenantId, personId: p.id, name: personName(p) })),
      ...lonelyQueues.map((q) => ({ id: newId(), tenantId, queueId: q.id, name: q.name })),
    ];
    for (let i = 0; i < rows.length; i += 500)
      await this.db
        .insert(voicemailBoxes)
        .values(rows.slice(i, i + 500))
        .onConflictDoNothing();
  }

  private async byOwner(tenantId: string, owner: ReturnType<typeof eq>): Promise<BoxRow | undefined> {
    const [row] = await this.db
      .select()
      .from(voicemailBoxes)
      .where(and(eq(voicemailBoxes.tenantId, tenantId), owner));
    return row;
  }

  async counts(boxId: string): Promise<MessageCounts> {
    const rows = await this.db
      .select({ status: voicemailMessages.status, n: count() })
      .from(voicemailMessages)
      .where(eq(voicemailMessages.boxId, boxId))
      .groupBy(voicemailMessages.status);
    const of = (s: MessageStatus) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    return { new: of('new'), old: of('saved') };
  }

  /** Counts of several boxes at once (the API's box list). */
  async countsOf(boxIds: string[]): Promise<Map<string, MessageCounts>> {
    const out = new Map<string, MessageCounts>(boxIds.map((id) => [id, { new: 0, old: 0 }]));
    if (boxIds.length === 0) return out;
    const rows = await this.db
      .select({ boxId: voicemailMessages.boxId, status: voicemailMessages.status, n: count() })
      .from(voicemailMessages)
      .where(inArray(voicemailMessages.boxId, boxIds))
      .groupBy(voicemailMessages.boxId, voicemailMessages.status);
    for (const r of rows) {
      const c = out.get(r.boxId);
      if (!c) continue;
      if (r.status === 'new') c.new = Number(r.n);
      else c.old = Number(r.n);
    }
    return out;
  }

  /** A box's messages, new ones first, each group oldest first (the order a caller hears). */
  async messages(boxId: string): Promise<MessageRow[]> {
    return this.db
      .select()
      .from(voicemailMessages)
      .where(eq(voicemailMessages.boxId, boxId))
      .orderBy(
        sql`case when ${voicemailMessages.status} = 'new' then 0 else 1 end`,
        asc(voicemailMessages.id),
      );
  }

  async message(tenantId: string, id: string): Promise<MessageRow | undefined> {
    const [row] = await this.db
      .select()
      .from(voicemailMessages)
      .where(and(eq(voicemailMessages.tenantId, tenantId), eq(voicemailMessages.id, id)));
    return row;
  }

  async addMessage(m: NewMessage): Promise<MessageRow> {
    const [row] = await this.db.insert(voicemailMessages).values(m).returning();
    if (!row) throw new Error('insert returned nothing');
    return row;
  }

  /** new → saved; false when there is no such message. */
  async markSaved(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .update(voicemailMessages)
      .set({ status: 'saved' })
      .where(and(eq(voicemailMessages.tenantId, tenantId), eq(voicemailMessages.id, id)))
      .returning({ id: voicemailMessages.id });
    return rows.length > 0;
  }

  /**
   * The files of a person's or a queue's boxes: message WAVs (relative to DATA_DIR) and
   * greeting file ids. Read before the owner is deleted, since the rows go with it (cascade).
   */
  async ownerFiles(
    tenantId: string,
    owner: { personId: string } | { queueId: string },
  ): Promise<{ messagePaths: string[]; greetingFileIds: string[] }> {
    const ofOwner =
      'personId' in owner
        ? eq(voicemailBoxes.personId, owner.personId)
        : eq(voicemailBoxes.queueId, owner.queueId);
    const boxes = await this.db
      .select({ id: voicemailBoxes.id, greeting: voicemailBoxes.greeting })
      .from(voicemailBoxes)
      .where(and(eq(voicemailBoxes.tenantId, tenantId), ofOwner));
    if (boxes.length === 0) return { messagePaths: [], greetingFileIds: [] };
    const messages = await this.db
      .select({ path: voicemailMessages.path })
      .from(voicemailMessages)
      .where(
        and(
          eq(voicemailMessages.tenantId, tenantId),
          inArray(
            voicemailMessages.boxId,
            boxes.map((b) => b.id),
          ),
        ),
      );
    return {
      messagePaths: messages.map((m) => m.path),
      greetingFileIds: boxes.flatMap((b) => (b.greeting.kind === 'file' ? [b.greeting.fileId] : [])),
    };
  }

  /** Deletes the row, then the file (a failure between leaves a file, never a row without one). */
  async deleteMessage(tenantId: string, id: string): Promise<MessageRow | undefined> {
    const [row] = await this.db
      .delete(voicemailMessages)
      .where(and(eq(voicemailMessages.tenantId, tenantId), eq(voicemailMessages.id, id)))
      .returning();
    if (row) await rm(this.absolute(row.path), { force: true });
    return row;
  }

  async updateBox(
    tenantId: string,
    boxId: string,
    set: Partial<
      Pick<BoxRow, 'pinHash' | 'greeting' | 'maxMessageSeconds' | 'emails' | 'attachAudio' | 'name'>
    >,
  ): Promise<BoxRow | undefined> {
    const [row] = await this.db
      .update(voicemailBoxes)
      .set({ ...set, updatedAt: new Date() })
      .where(and(eq(voicemailBoxes.tenantId, tenantId), eq(voicemailBoxes.id, boxId)))
      .returning();
    return row;
  }

  /** Size in bytes of a stored message file, or undefined when it is gone. */
  async fileSize(relative: string): Promise<number | undefined> {
    try {
      return (await stat(this.absolute(relative))).size;
    } catch {
      return undefined;
    }
  }
}
