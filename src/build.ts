import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildStoreTemplate } from './db/template.ts';
import { buildWebIfStale, newestMtime } from './http/web.ts';
import { projectRoot } from './paths.ts';

/**
 * What `npm start` runs before the server (its prestart script): builds the web app, the server
 * bundle and the embedded store's template (db/template.ts), each only when its sources changed
 * since the last build.
 *
 * The bundle (dist/shipshape.mjs, our sources in one file, packages left as imports) is what
 * bin/shipshape.js runs when it is fresh. Running the TypeScript sources through tsx instead works,
 * but tsx's loader keeps a second JavaScript engine alive in its own thread for the whole life of
 * the process: about 80 MB of the server's resident memory (BENCHMARKS.md).
 */
export const serverBundle = join(projectRoot, 'dist', 'shipshape.mjs');

export async function bundleServerIfStale(): Promise<boolean> {
  const built = await stat(serverBundle).catch(() => null);
  if (built && built.mtimeMs >= (await newestMtime(join(projectRoot, 'src')))) return false;
  // Loaded only here: the server itself never needs the bundler.
  const { build } = await import('esbuild');
  const tmp = `${serverBundle}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(projectRoot, 'src', 'cli', 'main.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  // A rename is atomic: a CLI starting meanwhile sees the old bundle or the new one, never half.
  await rename(tmp, serverBundle);
  return true;
}

if (process.argv[1] && join(process.argv[1]) === join(projectRoot, 'src', 'build.ts')) {
  await buildWebIfStale();
  await bundleServerIfStale();
  await buildStoreTemplate();
}
