// Prints the README's configuration reference from the settings table in src/config.
import { settings } from '../src/config/index.ts';

export function configTable(): string {
  const rows = Object.values(settings).map((s) => {
    const def =
      s.default === undefined ? '(unset)' : s.default === '' ? '(derived)' : `\`${String(s.default)}\``;
    return `| \`${s.env}\` | ${def} | ${s.describe} |`;
  });
  return ['| variable | default | what it sets |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configTable());
