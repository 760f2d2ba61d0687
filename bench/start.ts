/**
 * Start-up times (issue 13, point 4), each the median of BENCH_START_RUNS (5) runs, on the embedded
 * store: `npm start`'s prestart when nothing changed (the staleness check of the web app and the
 * server bundle), the server to ready (/readyz) on an empty data folder (migrations, first admin and
 * the demo), and to ready on that existing folder. Run after a build (`npm run prestart`), as
 * `npm start` would; the figures are wall-clock from spawning the process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './stores.ts';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function timePrestart(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/build.ts'], { cwd: root, stdio: 'inherit' });
  if ((await exitOf(child)) !== 0) throw new Error('prestart failed');
  return performance.now() - t0;
}

async function timeToReady(dataDir: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin', 'shipshape.js'), 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      SHIPSHAPE_DATA_DIR: dataDir,
      DATABASE_URL: '',
      HOST: '127.0.0.1',
      PORT: String(port),
      SHIPSHAPE_MQTT_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return performance.now() - t0;
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      if (performance.now() - t0 > 120_000) throw new Error('the server did not get ready in 2 minutes');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await exitOf(child);
  }
}

export async function runStartBench(): Promise<{ prestart: number; first: number; again: number }> {
  await timePrestart(); // builds when stale; the figures below are of the runs after it
  const prestart: number[] = [];
  const first: number[] = [];
  const again: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    prestart.push(await timePrestart());
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-start-'));
    try {
      first.push(await timeToReady(join(dir, 'data')));
      again.push(await timeToReady(join(dir, 'data')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { prestart: median(prestart), first: median(first), again: median(again) };
}

export function printStart(f: { prestart: number; first: number; again: number }): void {
  console.log(`\nStart-up, embedded store, median of ${RUNS} runs, ms:\n`);
  console.log(
    '| prestart, nothing changed | first start to ready (demo) | start on the existing store to ready |',
  );
  console.log('|---|---|---|');
  console.log(`| ${f.prestart.toFixed(0)} | ${f.first.toFixed(0)} | ${f.again.toFixed(0)} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) printStart(await runStartBench());
