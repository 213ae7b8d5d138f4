// Text templates of http, lookup and email nodes: `{{caller.number}}` and friends. Only
// known placeholders are allowed, so a typo is a validation error instead of an empty value.

export const TEMPLATE_FIELDS = ['caller.number', 'caller.name', 'called', 'node.name', 'time'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
export type TemplateValues = Record<TemplateField, string>;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const known = new Set<string>(TEMPLATE_FIELDS);

/** What is wrong with a template, or undefined when it only uses known placeholders. */
export function templateProblem(text: string): string | undefined {
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!known.has(m[1] ?? '')) {
      return `unknown placeholder {{${m[1]}}}; use ${TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(', ')}`;
    }
  }
  if (text.replace(PLACEHOLDER, '').includes('{{')) return "a '{{' is not closed by '}}'";
  return undefined;
}

/** Fills the placeholders; `encode` escapes each inserted value (URLs). */
export function renderTemplate(text: string, values: TemplateValues, encode?: (v: string) => string): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    if (!known.has(name)) return whole;
    const v = values[name as TemplateField];
    return encode ? encode(v) : v;
  });
}

/** A URL template is checked with its placeholders filled by a harmless value. */
export function urlTemplateProblem(text: string): string | undefined {
  const p = templateProblem(text);
  if (p) return p;
  let url: URL;
  try {
    url = new URL(text.replace(PLACEHOLDER, 'x'));
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'the URL must start with http:// or https://';
  return undefined;
}
