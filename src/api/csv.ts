// CSV (RFC 4180): quoted fields with "" escapes, CRLF or LF rows. Bounded by the caller's
// byte limit and by maxRows here.

export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Parses text into rows of fields. Empty lines are skipped. Throws CsvError on bad quoting. */
export function parseCsv(text: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a BOM from spreadsheet exports
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) {
      if (rows.length >= maxRows) throw new CsvError(`more than ${maxRows} rows`, rowLine);
      rows.push(row);
    }
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') {
      if (field !== '') throw new CsvError('a quote inside an unquoted field', line);
      inQuotes = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += c;
    }
  }
  if (inQuotes) throw new CsvError('a quoted field is not closed', rowLine);
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

// Cells a spreadsheet would run as formulas get a leading apostrophe (CSV injection).
// E.164 numbers start with "+" but are plain values, so they are left alone.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^\+?\d+$/;

function cell(value: string): string {
  const safe = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Undoes the export's formula guard so an exported file imports unchanged. */
export const uncell = (value: string): string => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value);
