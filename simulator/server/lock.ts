// One simulator per state directory. The lock file says which process holds it and where its
// admin API listens, so offline commands (reset, token) can talk to a running simulator instead
// of writing underneath it.
import fs from 'node:fs';
import path from 'node:path';

export interface LockInfo {
  pid: number;
  started: string;
  adminUrl?: string;
  issuer: string;
  endpoints: Record<string, string>;
}

const lockFile = (stateDir: string) => path.join(stateDir, 'simulator.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running simulator holding this state directory, if any (stale locks are ignored). */
export function readLock(stateDir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(lockFile(stateDir), 'utf8')) as LockInfo;
    return info.pid !== process.pid && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function writeLock(stateDir: string, info: LockInfo): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const tmp = `${lockFile(stateDir)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, lockFile(stateDir));
}

export function removeLock(stateDir: string): void {
  try {
    const info = JSON.parse(fs.readFileSync(lockFile(stateDir), 'utf8')) as LockInfo;
    if (info.pid === process.pid) fs.rmSync(lockFile(stateDir), { force: true });
  } catch {
    /* already gone */
  }
}
