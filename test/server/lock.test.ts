import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lockDataDir } from '../../src/server.ts';

describe('data folder lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'shipshape-lock-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a second holder while the first holds it, and is free again once released', () => {
    const dir = join(root, 'held');
    const release = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, 'shipshape.lock'), 'utf8').split('\n')[0], String(process.pid));
    assert.throws(() => lockDataDir(dir), new RegExp(`in use by process ${process.pid}`));
    release();
    assert.equal(existsSync(join(dir, 'shipshape.lock')), false);
    lockDataDir(dir)();
  });

  it('takes over the lock of a process that is gone (killed)', () => {
    const dir = join(root, 'stale');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    lockDataDir(dir)();
    writeFileSync(join(dir, 'shipshape.lock'), `${gone.stdout.toString()}\n`);
    const release = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, 'shipshape.lock'), 'utf8').split('\n')[0], String(process.pid));
    release();
  });

  it('takes over a lock naming its own pid that it does not hold (a restarted container)', () => {
    const dir = join(root, 'restarted');
    lockDataDir(dir)();
    writeFileSync(join(dir, 'shipshape.lock'), `${process.pid}\n`);
    lockDataDir(dir)();
  });
});
