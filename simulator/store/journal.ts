// The journal: every exchange cda-sim takes part in, inbound (a provider calling the C&A) and
// outbound (cda-sim calling a provider), one NDJSON line each in <state-dir>/journal.ndjson.
// Lines are written synchronously so a killed process keeps every exchange it answered.
// Subscribers (a live console, correlation checks) get each entry as an event: MSW's lifecycle
// events are the model.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { EventEmitter } from 'node:events';

/** Bodies beyond this many characters are cut in the journal (the exchange still happened in full). */
const BODY_LIMIT = 64 * 1024;

export interface JournalEntry {
  seq: number;
  time: string;
  direction: 'in' | 'out';
  /** Which cda-sim role took part: 'ca', 'admin', 'pfs', 'dashboard', 'reporting', … */
  role: string;
  method: string;
  url: string;
  path: string;
  requestId?: string;
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody?: unknown;
  durationMs: number;
  /** Subject of the TLS client certificate, when one was presented. */
  clientCert?: { subject: string; issuer: string; authorized: boolean; error?: string };
  /** Which operation of the OpenAPI document served it, when routed. */
  operationId?: string;
  /** A test case or run id, where a driver knows it. */
  tags?: Record<string, string>;
  error?: string;
}

export type NewJournalEntry = Omit<JournalEntry, 'seq' | 'time'> & { time?: string };

export interface JournalFilter {
  requestId?: string;
  path?: string;
  status?: number;
  direction?: 'in' | 'out';
  role?: string;
  limit?: number;
}

export function clipBody(body: unknown): unknown {
  if (typeof body === 'string' && body.length > BODY_LIMIT) {
    return body.slice(0, BODY_LIMIT) + `…[${body.length - BODY_LIMIT} more characters not journalled]`;
  }
  return body;
}

/**
 * One journal line. Bodies reach here already bounded (size and nesting are checked before
 * parsing), so this only fails on a value no guard foresaw: the exchange is then kept with its
 * bodies replaced by why they could not be written, rather than the process failing.
 */
function serialise(entry: JournalEntry): string {
  try {
    return JSON.stringify(entry);
  } catch (err) {
    const why = `[not journalled: ${(err as Error).message}]`;
    return JSON.stringify({ ...entry, requestBody: why, responseBody: why });
  }
}

export function matches(e: JournalEntry, f: JournalFilter): boolean {
  if (f.requestId && e.requestId?.toLowerCase() !== f.requestId.toLowerCase()) return false;
  if (f.path && !e.path.startsWith(f.path)) return false;
  if (f.status !== undefined && e.status !== f.status) return false;
  if (f.direction && e.direction !== f.direction) return false;
  if (f.role && e.role !== f.role) return false;
  return true;
}

export class Journal extends EventEmitter {
  private fd: number;
  private seq = 0;
  readonly file: string;

  constructor(
    dir: string,
    private now: () => number,
  ) {
    super();
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'journal.ndjson');
    this.seq = lastSeq(this.file);
    this.fd = fs.openSync(this.file, 'a');
  }

  record(e: NewJournalEntry): JournalEntry {
    // The caller's object becomes the entry (no copy: this runs for every exchange).
    const entry = e as JournalEntry;
    entry.seq = ++this.seq;
    entry.time ??= new Date(this.now()).toISOString();
    if (typeof e.requestBody === 'string') entry.requestBody = clipBody(e.requestBody);
    if (typeof e.responseBody === 'string') entry.responseBody = clipBody(e.responseBody);
    fs.writeSync(this.fd, serialise(entry) + '\n');
    this.emit('entry', entry);
    return entry;
  }

  /** Start a new, empty journal (reset). */
  clear(): void {
    fs.closeSync(this.fd);
    fs.writeFileSync(this.file, '');
    this.fd = fs.openSync(this.file, 'a');
    this.seq = 0;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The seq of the last complete entry: read from the file's tail, so opening a large journal stays fast. */
function lastSeq(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    // Widen the window from the end until it holds a complete entry (a torn last line is skipped).
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const lines = buf.toString('utf8').split('\n');
      if (start > 0) lines.shift(); // the first line of the window may be cut
      for (let i = lines.length - 1; i >= 0; i--) {
        if (!lines[i]) continue;
        try {
          return (JSON.parse(lines[i]) as JournalEntry).seq ?? 0;
        } catch {
          // torn by a crash: try the line before
        }
      }
      if (start === 0) return 0;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Read a journal file, newest last, keeping entries that match the filter (the last `limit` of them). */
export async function readJournal(file: string, filter: JournalFilter = {}): Promise<JournalEntry[]> {
  if (!fs.existsSync(file)) return [];
  const out: JournalEntry[] = [];
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    let e: JournalEntry;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a torn last line after a crash
    }
    if (matches(e, filter)) {
      out.push(e);
      if (filter.limit && out.length > filter.limit) out.shift();
    }
  }
  return out;
}
