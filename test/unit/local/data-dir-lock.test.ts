import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../../local/data-dir-lock.js';

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'hookline-lock-'));
/** A pid that existed and has exited (its process was reaped). */
const deadPid = (): number => Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());

describe('lockDataDir', () => {
  it('writes the owner pid, refuses a second live owner naming the first, and releases', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, process.pid);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    // The parent of this test process is alive: it stands for another running instance.
    expect(() => lockDataDir(dir, process.ppid)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir, process.ppid)).toThrow(`another Hookline local (pid ${process.pid}) is using the data dir ${dir}`);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir, process.ppid).release();
  });

  it('takes over a stale lock whose owner is gone (a crash or SIGKILL)', () => {
    const dir = freshDir();
    const gone = deadPid();
    writeFileSync(join(dir, LOCK_FILE), `${gone}\n`);
    const lock = lockDataDir(dir, process.pid);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it('takes over an empty or garbled lock file', () => {
    const dir = freshDir();
    writeFileSync(join(dir, LOCK_FILE), 'not a pid');
    lockDataDir(dir, process.pid).release();
  });

  it('release leaves a lock another owner took meanwhile alone', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir, process.pid);
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.ppid));
  });
});
