// Field schemas shared by routes: one definition of what a valid value is, one message.
import { z } from 'zod';

// ITU-T E.164: "+", a country code not starting with 0, at most 15 digits in all.
export const E164_RE = /^\+[1-9]\d{1,14}$/;
export const EXTENSION_RE = /^\d{3,6}$/;

export const e164 = z
  .string()
  .trim()
  .regex(E164_RE, 'must be an E.164 number: + then country code and number, at most 15 digits');
export const extension = z.string().trim().regex(EXTENSION_RE, 'must be 3 to 6 digits');
/** A contact number: an E.164 number or an internal extension. */
export const contactNumberValue = z
  .string()
  .trim()
  .refine(
    (v) => E164_RE.test(v) || EXTENSION_RE.test(v),
    'must be an E.164 number (+371...) or an extension of 3 to 6 digits',
  );

export const email = z.string().trim().toLowerCase().max(254).email('must be an email address');
export const password = z.string().min(10, 'must be at least 10 characters').max(200);
export const name = (max = 100) => z.string().trim().min(1, 'must not be empty').max(max);
export const optionalText = (max = 200) => z.string().trim().max(max).nullish();

export const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code');

const knownZones = new Set(Intl.supportedValuesOf('timeZone'));
knownZones.add('UTC');
export const timeZone = z
  .string()
  .refine((tz) => knownZones.has(tz), 'must be an IANA time zone such as Europe/Riga');

export const postalAddress = z.object({
  line1: name(200),
  line2: z.string().trim().max(200).optional(),
  city: name(100),
  postalCode: z.string().trim().min(1).max(20),
  region: z.string().trim().max(100).optional(),
  country: countryCode,
});

export const labelledEmail = z.object({ address: email, label: z.enum(['work', 'home']) });
export const contactNumber = z.object({
  number: contactNumberValue,
  label: z.string().trim().max(40).optional(),
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time HH:MM');
export const weeklySchedule = z.object({
  timeZone: timeZone.optional(),
  intervals: z
    .array(
      z
        .object({ day: z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), start: hhmm, end: hhmm })
        .refine((i) => i.start < i.end, { message: 'start must be before end', path: ['end'] }),
    )
    .max(70),
});

/** A case-insensitive "contains" pattern for ilike, with the caller's % and _ taken literally. */
export const containsPattern = (search: string): string => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const idParam = z.object({ id: z.uuid('must be an id') });
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
