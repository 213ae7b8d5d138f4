// Serves the admin console (web/console, built by Vite into dist/console) at '/': its files
// by path, and its index.html for every other GET outside /api, so the app's own addresses
// (/people/42, /verify-email?token=...) load it. Registered after the API routes: Fastify
// prefers their static paths over this wildcard.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './auth/principal.ts';

/** The build output, found from src/api (tsx) and dist/api (compiled) alike. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// Styles may be inline (React Flow positions nodes with style attributes); scripts may not.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Switchboard</title>
<p>The console is not built yet: run <code>npm run build</code> (or <code>npm start</code>, which builds first). The API is at <a href="/api/docs">/api/docs</a>.</p></html>`;

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR')
      return null;
    throw err;
  }
}

const acceptsGzip = (req: FastifyRequest) => /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));

export function registerConsole(app: FastifyInstance, dir: string = CONSOLE_DIR): void {
  const root = normalize(dir.endsWith(sep) ? dir : dir + sep);

  async function sendFile(req: FastifyRequest, reply: FastifyReply, path: string): Promise<boolean> {
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    const gz = acceptsGzip(req) ? await readIfExists(`${path}.gz`) : null;
    const body = gz ?? (await readIfExists(path));
    if (!body) return false;
    reply
      .header('content-type', type)
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding');
    if (gz) reply.header('content-encoding', 'gzip');
    // Vite names everything under assets/ by its content hash: it never changes.
    reply.header(
      'cache-control',
      path.startsWith(`${root}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    await reply.send(body);
    return true;
  }

  async function sendIndex(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const html = await readIfExists(join(root, 'index.html'));
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store');
    if (!html) {
      await reply.status(503).send(NOT_BUILT);
      return;
    }
    // Without a session cookie the app need not ask /api/me (and see a 401) to know it.
    const signedOut = !req.cookies?.[SESSION_COOKIE];
    const text = html.toString('utf8');
    await reply.send(
      signedOut ? text.replace('<head>', '<head>\n<meta name="switchboard-session" content="none">') : text,
    );
  }

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const pathname = req.url.split('?')[0] ?? '/';
    if (pathname === '/api' || pathname.startsWith('/api/')) return reply.callNotFound();
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      return reply.callNotFound();
    }
    if (extname(relative)) {
      const path = normalize(join(root, relative));
      if (!path.startsWith(root) || !(await sendFile(req, reply, path))) return reply.callNotFound();
      return reply;
    }
    await sendIndex(req, reply);
    return reply;
  });
}
