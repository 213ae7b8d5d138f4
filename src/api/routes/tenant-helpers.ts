// Small tenant rules: which mail domains are not business email, and SIP domain naming.
import { like } from 'drizzle-orm';
import type { Db } from '../../store/database.ts';
import { tenants } from '../../store/schema.ts';

export const FREE_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'ymail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'gmx.com',
  'gmx.net',
  'gmx.de',
  'web.de',
  'mail.com',
  'mail.ru',
  'yandex.ru',
  'yandex.com',
  'proton.me',
  'protonmail.com',
  'inbox.lv',
  'zohomail.com',
]);

/** A DNS label from a company name: "Acme Widgets, Ltd." -> "acme-widgets-ltd". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'company';
}

type Tx = Pick<Db, 'select'>;

export async function uniqueSipDomain(db: Tx, companyName: string, suffix: string): Promise<string> {
  const base = slugify(companyName);
  const taken = new Set(
    (
      await db
        .select({ d: tenants.sipDomain })
        .from(tenants)
        .where(like(tenants.sipDomain, `${base}%.${suffix}`))
    ).map((r) => r.d),
  );
  for (let i = 1; ; i++) {
    const candidate = `${i === 1 ? base : `${base}-${i}`}.${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
