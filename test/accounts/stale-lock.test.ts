import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lockDataDir, processStartTime } from '../../src/server.ts';

// The embedded store's lock only: the PostgreSQL store has no data folder to lock.
describe('stale data folder lock whose pid now belongs to another live process', () => {
  const root = mkdtempSync(join(tmpdir(), 'shipshape-stale-lock-'));
  // A live process that is not a Shipshape server: stands for the unrelated process that was
  // given the dead server's pid.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  before(async () => {
    await new Promise((resolve) => other.once('spawn', resolve));
  });
  after(() => {
    other.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it("records the holder's start time next to its pid", () => {
    const dir = join(root, 'recorded');
    const release = lockDataDir(dir);
    const [pid, start] = readFileSync(join(dir, 'shipshape.lock'), 'utf8').split('\n');
    assert.equal(pid, String(process.pid));
    assert.equal(start, processStartTime(process.pid));
    assert.match(start ?? '', /^\d+$/);
    release();
  });

  it("takes the lock over when the recorded start time is not the live process's", () => {
    const dir = join(root, 'reused');
    lockDataDir(dir)();
    const real = processStartTime(other.pid!);
    assert.ok(real, 'the test needs /proc');
    writeFileSync(join(dir, 'shipshape.lock'), `${other.pid}\n${Number(real) - 1}\n`);
    const release = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, 'shipshape.lock'), 'utf8').split('\n')[0], String(process.pid));
    release();
  });

  it('still refuses a live holder whose start time matches', () => {
    const dir = join(root, 'live');
    lockDataDir(dir)();
    writeFileSync(join(dir, 'shipshape.lock'), `${other.pid}\n${processStartTime(other.pid!)}\n`);
    assert.throws(() => lockDataDir(dir), new RegExp(`in use by process ${other.pid}`));
  });
});
