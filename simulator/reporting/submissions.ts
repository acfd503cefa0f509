// Every accepted reporting submission, with its receipt time, appended to
// <stateDir>/reporting-submissions.ndjson (0600) before the 202 goes out. Resubmissions and
// corrections are new lines, never overwrites: the daily pipeline decides which one counts.
// With --fsync the file joins the state's group commit: the lines of one turn of the event loop are
// fdatasynced once, and that turn's answers wait for it (no fsync per line). A line the disk refuses
// fails the turn, so its answer is a 503, never a 202.
// In memory the store keeps only where each submission's line is in the file: bodies are read back
// and parsed when asked for. Kept parsed, a 1 MiB body was some 30,000 objects every full garbage
// collection traced for as long as the process lived, and the heap grew by each one.
import fs from 'node:fs';
import path from 'node:path';
import type { CommitGroup, CommitMember } from '../store/commit-group.js';
import { appendAll, cutBack, disk, makePrivateDir, openPrivateAppend } from '../store/disk.js';
import type { ReportingEndpoint } from '../wire/reporting-api.js';

export interface StoredSubmission {
  seq: number;
  /** ISO 8601, UTC, from the Clock. */
  receivedAt: string;
  endpoint: ReportingEndpoint;
  requestId: string;
  body: Record<string, unknown>;
}

export const SUBMISSIONS_FILE = 'reporting-submissions.ndjson';

/** The submissions received within one UTC calendar day, [00:00:00.000Z, next 00:00:00.000Z). */
export function receivedOnUtcDay<T extends { receivedAt: string }>(list: T[], day: string): T[] {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (!Number.isFinite(start)) throw new Error(`not a UTC day (YYYY-MM-DD): ${day}`);
  const end = start + 86_400_000;
  return list.filter((s) => {
    const t = Date.parse(s.receivedAt);
    return t >= start && t < end;
  });
}

export interface SubmissionStoreOptions {
  /** Sync each turn's lines before its answers (needs `commits`; without it, each line is synced as written). */
  fsync?: boolean;
  /** The state's group commit, which the answers wait on. */
  commits?: CommitGroup;
}

/** One submission as the store keeps it in memory: what days are chosen by, and where its line is. */
interface KeptSubmission {
  seq: number;
  receivedAt: string;
  /** The line's first byte in the file, and its length without the newline. */
  offset: number;
  bytes: number;
}

const LINE_END = Buffer.from('}\n');

/**
 * The file's line for a submission, newline included, put together from its parts: the same bytes
 * as JSON.stringify(stored) + '\n', without building that string.
 */
function lineBytes({ seq, receivedAt, endpoint, requestId }: Omit<StoredSubmission, 'body'>, bodyJson: Buffer): Buffer {
  const head = Buffer.from(`${JSON.stringify({ seq, receivedAt, endpoint, requestId }).slice(0, -1)},"body":`, 'utf8');
  return Buffer.concat([head, bodyJson, LINE_END], head.length + bodyJson.length + LINE_END.length);
}

export class SubmissionStore implements CommitMember {
  private fd: number;
  private list: KeptSubmission[];
  private seq: number;
  private bytes: number;
  /** Where this turn's unsynced lines began: a failed sync takes them back out. */
  private turnStart: { bytes: number; count: number; seq: number } | undefined;

  private constructor(
    readonly file: string,
    private opts: SubmissionStoreOptions,
  ) {
    const { list, validBytes } = load(file);
    // A crash mid-append leaves a torn last line: cut it off so the next append starts on a fresh line.
    if (fs.existsSync(file) && fs.statSync(file).size !== validBytes) fs.truncateSync(file, validBytes);
    this.list = list;
    this.seq = list.reduce((m, s) => Math.max(m, s.seq), 0);
    this.fd = openPrivateAppend(file);
    this.bytes = validBytes;
  }

  static open(stateDir: string, opts: SubmissionStoreOptions = {}): SubmissionStore {
    makePrivateDir(stateDir);
    return new SubmissionStore(path.join(stateDir, SUBMISSIONS_FILE), opts);
  }

  /**
   * When this returns, the line is in the file; with fsync it is on disk before the turn's answers
   * go. A write the disk refuses throws, and fails the turn's answers. `bodyJson`, when the caller
   * has it already, must be JSON.stringify(s.body) as UTF-8: a large body is then not serialised twice.
   */
  add(s: Omit<StoredSubmission, 'seq'>, bodyJson: Buffer = Buffer.from(JSON.stringify(s.body), 'utf8')): StoredSubmission {
    const stored: StoredSubmission = { seq: this.seq + 1, receivedAt: s.receivedAt, endpoint: s.endpoint, requestId: s.requestId, body: s.body };
    const before = { bytes: this.bytes, count: this.list.length, seq: this.seq };
    const line = lineBytes(stored, bodyJson);
    try {
      this.bytes = appendAll(this.fd, line, this.bytes);
      if (this.opts.fsync && !this.opts.commits) disk.fdatasyncSync(this.fd);
    } catch (err) {
      if (this.bytes !== before.bytes) cutBack(this.fd, before.bytes, err as Error);
      this.bytes = before.bytes;
      this.opts.commits?.fail(err as Error);
      throw err;
    }
    this.seq = stored.seq;
    this.list.push({ seq: stored.seq, receivedAt: stored.receivedAt, offset: before.bytes, bytes: line.length - 1 });
    if (this.opts.fsync && this.opts.commits) {
      this.turnStart ??= before;
      this.opts.commits.schedule(this);
    }
    return stored;
  }

  /** The group commit's part: this turn's lines in one fdatasync; if that fails they are taken back out. */
  commitTurn(): void {
    const start = this.turnStart;
    this.turnStart = undefined;
    if (!start) return;
    try {
      disk.fdatasyncSync(this.fd);
    } catch (err) {
      cutBack(this.fd, start.bytes, err as Error);
      this.bytes = start.bytes;
      this.list.length = start.count;
      this.seq = start.seq;
      throw err;
    }
  }

  /** Every submission, in the order received (read back from the file on each call). */
  all(): StoredSubmission[] {
    return this.list.map((k) => this.read(k));
  }

  /** How many submissions there are, without parsing any. */
  get count(): number {
    return this.list.length;
  }

  /** Submissions received within one UTC calendar day, [00:00:00.000Z, next 00:00:00.000Z). */
  onUtcDay(day: string): StoredSubmission[] {
    return receivedOnUtcDay(this.list, day).map((k) => this.read(k));
  }

  /** A kept submission's line, read back from the file and parsed. */
  private read(k: KeptSubmission): StoredSubmission {
    const buf = Buffer.allocUnsafe(k.bytes);
    for (let done = 0; done < k.bytes; ) {
      const n = fs.readSync(this.fd, buf, done, k.bytes - done, k.offset + done);
      if (n === 0) throw new Error(`${this.file} ended before submission ${k.seq} (was it changed by something else?)`);
      done += n;
    }
    return JSON.parse(buf.toString('utf8')) as StoredSubmission;
  }

  clear(): void {
    fs.closeSync(this.fd);
    fs.writeFileSync(this.file, '', { mode: 0o600 });
    this.fd = openPrivateAppend(this.file);
    this.list = [];
    this.seq = 0;
    this.bytes = 0;
    this.turnStart = undefined;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function load(file: string): { list: KeptSubmission[]; validBytes: number } {
  if (!fs.existsSync(file)) return { list: [], validBytes: 0 };
  const buf = fs.readFileSync(file);
  const list: KeptSubmission[] = [];
  let validBytes = 0;
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
    const line = buf.subarray(start, nl).toString('utf8');
    const offset = start;
    start = nl + 1;
    if (line.trim()) {
      try {
        const { seq, receivedAt } = JSON.parse(line) as StoredSubmission;
        list.push({ seq, receivedAt, offset, bytes: nl - offset });
      } catch {
        // a damaged line (not the torn tail, which has no newline): skip it, keep the rest
      }
    }
    validBytes = start;
  }
  // Bytes after the last newline are a torn append (the line is written with its newline in one call).
  return { list, validBytes };
}
