/**
 * One local instance per data dir: two would share one DynamoDB Local file and each fire the
 * other's retries. The lock is a file holding the owner's pid, created exclusively; a lock whose
 * pid is gone (a crash, a SIGKILL) is stale and taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalModeError } from './errors.js';
import { isAlive } from './local-process.js';

export const LOCK_FILE = 'hookline.lock';

/** Another live instance holds the data dir. */
export class DataDirLockedError extends LocalModeError {}

export interface DataDirLock {
  path: string;
  release(): void;
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock of `dataDir` for this process, or throws `DataDirLockedError` naming the holder. */
export function lockDataDir(dataDir: string, pid = process.pid): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx' });
      const release = (): void => {
        if (ownerOf(path) === pid) unlinkSync(path);
      };
      return { path, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(path);
    if (owner !== undefined && owner !== pid && isAlive(owner)) {
      throw new DataDirLockedError(
        `another Hookline local (pid ${owner}) is using the data dir ${dir}. Stop it first, or run this one on its own data: npm start -- --data-dir <dir> (or --memory).`,
      );
    }
    // Stale (its owner is gone) or half-written: remove it and try again.
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new DataDirLockedError(`could not take the lock ${path}`);
}
