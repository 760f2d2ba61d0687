/**
 * Start-up times (issue 13, point 4), each the median of BENCH_START_RUNS (5) runs, on the embedded
 * store: `npm start`'s prestart when nothing changed (the staleness check of the web app and the
 * server bundle), the server to ready (/readyz) on an empty data folder (migrations, first admin and
 * the demo), and to ready on that existing folder. Run after a build (`npm run prestart`), as
 * `npm start` would; the figures are wall-clock from spawning the process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmStart } from './memory.ts';
import { freePort } from './stores.ts';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));

/** The environment and Node flags `npm start` runs the server with, so the figures are its. */
const { env: startEnv, flags: startFlags } = npmStart();

/** Resident memory of a process in MB (Linux). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

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

/** Time to /readyz; with `idleMs`, also the resident memory after that much idle time. */
async function timeToReady(dataDir: string, idleMs = 0): Promise<{ ms: number; rss: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [...startFlags, join(root, 'bin', 'shipshape.js'), 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      ...startEnv,
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
      if (ready) {
        const ms = performance.now() - t0;
        if (idleMs > 0) await new Promise((r) => setTimeout(r, idleMs));
        return { ms, rss: idleMs > 0 ? rssMb(child.pid!) : 0 };
      }
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      if (performance.now() - t0 > 120_000) throw new Error('the server did not get ready in 2 minutes');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await exitOf(child);
  }
}

export interface StartFigures {
  prestart: number;
  first: number;
  again: number;
  /** Resident memory of the restarted server 10 s after ready, idle, MB. */
  idleRss: number;
}

export async function runStartBench(): Promise<StartFigures> {
  await timePrestart(); // builds when stale; the figures below are of the runs after it
  const prestart: number[] = [];
  const first: number[] = [];
  const again: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    prestart.push(await timePrestart());
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-start-'));
    try {
      first.push((await timeToReady(join(dir, 'data'))).ms);
      const restart = await timeToReady(join(dir, 'data'), 10_000);
      again.push(restart.ms);
      idle.push(restart.rss);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { prestart: median(prestart), first: median(first), again: median(again), idleRss: median(idle) };
}

export function printStart(f: StartFigures): void {
  console.log(
    `\nStart-up, embedded store, median of ${RUNS} runs (${Object.entries(startEnv)
      .map(([k, v]) => `${k}=${v} `)
      .join('')}node ${startFlags.join(' ')}):\n`,
  );
  console.log(
    '| prestart, nothing changed, ms | first start to ready (demo), ms | start on the existing store to ready, ms | idle RSS 10 s after that start, MB |',
  );
  console.log('|---|---|---|---|');
  console.log(
    `| ${f.prestart.toFixed(0)} | ${f.first.toFixed(0)} | ${f.again.toFixed(0)} | ${f.idleRss.toFixed(0)} |`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printStart(await runStartBench());
