#!/usr/bin/env node
// The `shipshape` command. It runs the server bundle (dist/shipshape.mjs, built by `npm start`'s
// prestart) when that is newer than every source file, and otherwise the TypeScript sources through
// tsx's ESM hooks. The check is repeated here in plain JavaScript because deciding must not load tsx.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestMtime(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function bundleIsFresh() {
  try {
    return statSync(join(root, 'dist', 'shipshape.mjs')).mtimeMs >= newestMtime(join(root, 'src'));
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  await import('../dist/shipshape.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
