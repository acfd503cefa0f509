// Every accepted reporting submission, with its receipt time, appended to
// <stateDir>/reporting-submissions.ndjson before the 202 goes out. Resubmissions and corrections are
// new lines, never overwrites: the daily pipeline decides which one counts.
import fs from 'node:fs';
import path from 'node:path';

export type ReportingEndpoint =
  | 'service-availability/find'
  | 'service-availability/view'
  | 'view-response/request-number'
  | 'view-response/response-time'
  | 'view-response/calculations'
  | 'view-response/unavailable';

export const REPORTING_ENDPOINTS: ReportingEndpoint[] = [
  'service-availability/find',
  'service-availability/view',
  'view-response/request-number',
  'view-response/response-time',
  'view-response/calculations',
  'view-response/unavailable',
];

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
export function receivedOnUtcDay(list: StoredSubmission[], day: string): StoredSubmission[] {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  if (!Number.isFinite(start)) throw new Error(`not a UTC day (YYYY-MM-DD): ${day}`);
  const end = start + 86_400_000;
  return list.filter((s) => {
    const t = Date.parse(s.receivedAt);
    return t >= start && t < end;
  });
}

export class SubmissionStore {
  private fd: number;
  private list: StoredSubmission[];
  private seq: number;

  private constructor(
    readonly file: string,
    private fsync: boolean,
  ) {
    const { list, validBytes } = load(file);
    // A crash mid-append leaves a torn last line: cut it off so the next append starts on a fresh line.
    if (fs.existsSync(file) && fs.statSync(file).size !== validBytes) fs.truncateSync(file, validBytes);
    this.list = list;
    this.seq = list.reduce((m, s) => Math.max(m, s.seq), 0);
    this.fd = fs.openSync(file, 'a');
  }

  static open(stateDir: string, opts: { fsync?: boolean } = {}): SubmissionStore {
    fs.mkdirSync(stateDir, { recursive: true });
    return new SubmissionStore(path.join(stateDir, SUBMISSIONS_FILE), opts.fsync ?? false);
  }

  /** Synchronous: when this returns, the line is in the file (and on disk with fsync). */
  add(s: Omit<StoredSubmission, 'seq'>): StoredSubmission {
    const stored: StoredSubmission = { seq: this.seq + 1, receivedAt: s.receivedAt, endpoint: s.endpoint, requestId: s.requestId, body: s.body };
    fs.writeSync(this.fd, JSON.stringify(stored) + '\n');
    if (this.fsync) fs.fsyncSync(this.fd);
    this.seq = stored.seq;
    this.list.push(stored);
    return stored;
  }

  all(): StoredSubmission[] {
    return [...this.list];
  }

  /** Submissions received within one UTC calendar day, [00:00:00.000Z, next 00:00:00.000Z). */
  onUtcDay(day: string): StoredSubmission[] {
    return receivedOnUtcDay(this.list, day);
  }

  clear(): void {
    fs.closeSync(this.fd);
    fs.writeFileSync(this.file, '');
    this.fd = fs.openSync(this.file, 'a');
    this.list = [];
    this.seq = 0;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function load(file: string): { list: StoredSubmission[]; validBytes: number } {
  if (!fs.existsSync(file)) return { list: [], validBytes: 0 };
  const buf = fs.readFileSync(file);
  const list: StoredSubmission[] = [];
  let validBytes = 0;
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
    const line = buf.subarray(start, nl).toString('utf8');
    start = nl + 1;
    if (line.trim()) {
      try {
        list.push(JSON.parse(line) as StoredSubmission);
      } catch {
        // a damaged line (not the torn tail, which has no newline): skip it, keep the rest
      }
    }
    validBytes = start;
  }
  // Bytes after the last newline are a torn append (the line is written with its newline in one call).
  return { list, validBytes };
}
