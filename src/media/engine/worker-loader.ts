// Starts a worker thread from a module URL, whether the code runs compiled (.js) or from
// TypeScript sources (.ts, under vitest or tsx). `execArgv: ['--import', 'tsx']` does not
// reach a worker's entry module on Node 20, so for .ts a two-line bootstrap registers tsx's
// loader inside the worker and then imports the module.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The ESM entry of tsx's loader API, found through its package.json exports. */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const entry = pkg.exports['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs';
  return new URL(entry, pathToFileURL(pkgPath)).href;
}

/** `base` names the module without extension, relative to `from` (an import.meta.url). */
export function startWorker(base: string, from: string, options: WorkerOptions = {}): Worker {
  const fromSource = from.endsWith('.ts');
  const url = new URL(`${base}${fromSource ? '.ts' : '.js'}`, from);
  if (!fromSource) return new Worker(url, options);
  const bootstrap = [
    `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => {`,
    '  tsx.register();',
    `  return import(${JSON.stringify(url.href)});`,
    '});',
  ].join('\n');
  return new Worker(bootstrap, { ...options, eval: true });
}
