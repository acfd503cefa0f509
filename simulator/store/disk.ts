// Every byte cda-sim's durable files take (the state's write-ahead log and snapshot, the journal,
// reporting submissions) goes through `disk`, for two reasons:
//  - one place decides what a failed write leaves behind: an append that fails part-way is cut back
//    to where it began, so a later append never follows a torn line;
//  - tests make the disk fail (ENOSPC, EROFS) by replacing one of its functions, deterministically.
// The files hold full PATs, RPTs and user tokens: they are created 0600, their directories 0700.
import fs from 'node:fs';
import path from 'node:path';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** The writes of durable files. Replace a member in a test to make the disk fail; restore it after. */
export const disk = {
  writeSync: (fd: number, buf: Buffer, offset: number, length: number): number => fs.writeSync(fd, buf, offset, length),
  fdatasyncSync: (fd: number): void => fs.fdatasyncSync(fd),
  /** Write a whole file through a 0600 temp file and a rename, so a reader never sees half of it. */
  writeFileAtomic: async (file: string, data: string, fsync: boolean): Promise<void> => {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const handle = await fs.promises.open(tmp, 'w', FILE_MODE);
      try {
        await handle.writeFile(data);
        if (fsync) await handle.datasync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  },
};

/** Make a directory (and its missing parents) private to this user. An existing one keeps its mode. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

/** Open a file for appending (and reading its tail), private to this user (an older file made 0644 is tightened). */
export function openPrivateAppend(file: string): number {
  const fd = fs.openSync(file, 'a+', FILE_MODE);
  fs.fchmodSync(fd, FILE_MODE);
  return fd;
}

/**
 * Append all of `data` at the end of the file, which is `sizeBefore` bytes long. A write that fails
 * part-way (the disk filled mid-line) is cut back to `sizeBefore` and the error rethrown: the file
 * then holds whole lines only. Returns the file's new size.
 */
export function appendAll(fd: number, data: string | Buffer, sizeBefore: number): number {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let done = 0;
  try {
    while (done < buf.length) done += disk.writeSync(fd, buf, done, buf.length - done);
  } catch (err) {
    if (done > 0) cutBack(fd, sizeBefore, err as Error);
    throw err;
  }
  return sizeBefore + buf.length;
}

/**
 * Cut a file back to `size` after a failed append or sync. If even that fails, the error is marked
 * `torn`: the file may end in part of a line, and its owner must stop appending to it.
 */
export function cutBack(fd: number, size: number, err: Error): void {
  try {
    fs.ftruncateSync(fd, size);
  } catch {
    (err as Error & { torn?: boolean }).torn = true;
  }
}

export const isTorn = (err: unknown): boolean => !!(err as { torn?: boolean })?.torn;

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied (not writable by this user)',
  EPERM: 'operation not permitted (not writable by this user)',
  ENOTDIR: 'it is not a directory',
  EEXIST: 'it is not a directory',
  EIO: 'an input/output error on the device',
};

/** A disk fault in plain words, from a Node.js error's code. */
export function diskCause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code && CAUSES[code] ? `${CAUSES[code]} (${code})` : (err as Error)?.message ?? String(err)).replace(/\s*\n\s*/g, ' ');
}

/** Why a state directory cannot be used: one line, naming the directory and the cause. */
export class StateDirError extends Error {
  constructor(
    readonly dir: string,
    readonly cause: unknown,
  ) {
    super(`the state directory ${path.resolve(dir)} is unusable: ${diskCause(cause)}`);
  }
}

/**
 * Check that a state directory can take durable writes before anything is served from it: it is a
 * directory (made private if new), and a probe file can be written, synced and removed there.
 */
export function checkStateDir(dir: string): void {
  const probe = path.join(dir, `.write-probe-${process.pid}`);
  try {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    makePrivateDir(dir);
    const fd = fs.openSync(probe, 'w', FILE_MODE);
    try {
      appendAll(fd, 'cda-sim write probe\n', 0);
      disk.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new StateDirError(dir, err);
  } finally {
    try {
      fs.rmSync(probe, { force: true });
    } catch {
      // nothing was made there
    }
  }
}
