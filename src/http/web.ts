import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { AppError } from '../features/errors.ts';
import { projectRoot } from '../paths.ts';
import type { App } from './deps.ts';

/** Where `npm run build:web` puts the built app. */
export const webDist = join(projectRoot, 'web', 'dist');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

async function fileIn(root: string, path: string): Promise<string | null> {
  const full = resolve(join(root, decodeURIComponent(path)));
  // Never serve anything outside the built folder, whatever the path says.
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    return (await stat(full)).isFile() ? full : null;
  } catch {
    return null;
  }
}

/**
 * Serves the web app from `root` at /: a built file when the path names one, else index.html so
 * the app's own routes (/my, /admin/spaces) load on a reload. Unknown /api paths stay problem+json.
 */
export async function webRoutes(app: App, root: string = webDist): Promise<void> {
  app.get('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const path = (request.params as { '*': string })['*'] ?? '';
    if (request.url.startsWith('/api/') || request.url === '/api')
      throw new AppError('not-found', `No route GET ${request.url.split('?')[0]}`);
    let file: string | null = null;
    try {
      file = path ? await fileIn(root, path) : null;
    } catch {
      file = null; // a malformed %-escape names no file
    }
    const isAsset = file !== null;
    if (!file && extname(path)) throw new AppError('not-found', `No file /${path}`);
    file ??= await fileIn(root, 'index.html');
    if (!file)
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The web app is not built yet: run `npm run build:web` (npm start does it for you).');
    const body = await readFile(file);
    // Built assets carry a content hash in their names, so they never change; index.html always may.
    void reply.header(
      'cache-control',
      isAsset && path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    return reply.type(types[extname(file)] ?? 'application/octet-stream').send(body);
  });
}

const webRoot = resolve(webDist, '..');

/** The newest modification time of a file or of anything in a folder, 0 when it is missing. */
export async function newestMtime(path: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  const s = await stat(path).catch(() => null);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** True when web/dist is missing or older than the app's sources. */
export async function webIsStale(): Promise<boolean> {
  const built = await stat(join(webDist, 'index.html')).catch(() => null);
  if (!built) return true;
  const sources = Math.max(
    await newestMtime(join(webRoot, 'src')),
    await newestMtime(join(webRoot, 'index.html')),
    await newestMtime(join(webRoot, 'vite.config.ts')),
  );
  return sources > built.mtimeMs;
}

/**
 * Builds the web app with Vite when it is stale; `npm start` (prestart) and the browser tests call
 * it. The build goes to a scratch folder that then replaces web/dist in two renames, so test files
 * building at the same time never see (or serve) a half-written folder.
 */
export async function buildWebIfStale(opts: { quiet?: boolean } = {}): Promise<boolean> {
  if (!(await webIsStale())) return false;
  const { mkdir, rename, rm } = await import('node:fs/promises');
  // Loaded only here: the server itself never needs the bundler.
  const { build } = await import('vite');
  const scratch = resolve(webRoot, '../node_modules/.cache/shipshape-web');
  await mkdir(scratch, { recursive: true });
  const tag = `${process.pid}-${Date.now()}`;
  const out = join(scratch, `dist-${tag}`);
  await build({
    root: webRoot,
    configFile: join(webRoot, 'vite.config.ts'),
    logLevel: opts.quiet ? 'warn' : 'info',
    build: { outDir: out, emptyOutDir: true },
  });
  const old = join(scratch, `old-${tag}`);
  await rename(webDist, old).catch(() => undefined);
  await rename(out, webDist).catch(async () => {
    // Another process put its (identical) build in place first.
    await rm(out, { recursive: true, force: true });
  });
  await rm(old, { recursive: true, force: true });
  return true;
}
