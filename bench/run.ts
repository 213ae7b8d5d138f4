// Bench runner: `npm run bench -- NAME [args...]` runs bench/NAME.ts, which prints its figures.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3));
const name = process.argv[2];

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
process.argv.splice(2, 1);
const started = Date.now();
console.log(`bench ${name}: node ${process.version}, ${new Date().toISOString()}`);
const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default?: () => Promise<void> };
if (typeof mod.default === 'function') await mod.default();
console.log(`\nbench ${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
