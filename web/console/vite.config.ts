// Builds the console into dist/console, where src/api/console.ts serves it. Each text file
// also gets a .gz twin so the server sends it compressed without compressing per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/console', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function precompress(): Plugin {
  return {
    name: 'switchboard-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of filesUnder(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), precompress()],
  // The flows module (model, validation, simulator) is pure and shared with the server.
  resolve: {
    alias: { '@switchboard/flows': fileURLToPath(new URL('../../src/flows/index.ts', import.meta.url)) },
  },
  build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/api': process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080' } },
});
