// Reading the journal: the active file (journal.ndjson) and the closed segments rotation left beside
// it (journal-<last seq>.ndjson). A read that wants the newest N exchanges reads files newest-first
// and each file from its end, so `journal --limit 5` costs the same at any journal size; a read of
// everything streams the files oldest first.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { JournalEntry, JournalFilter } from './journal-entry.js';

export const ACTIVE_JOURNAL = 'journal.ndjson';
const SEGMENT = /^journal-(\d{12})\.ndjson$/;
const CHUNK = 64 * 1024;

export interface Segment {
  file: string;
  /** The seq of the last exchange it holds: segments sort by it. */
  lastSeq: number;
  bytes: number;
}

export const segmentFile = (dir: string, lastSeq: number): string => path.join(dir, `journal-${String(lastSeq).padStart(12, '0')}.ndjson`);

/** The closed segments beside an active journal file, oldest first (none beside a run's own copy). */
export function closedSegments(activeFile: string): Segment[] {
  const dir = path.dirname(activeFile);
  if (path.basename(activeFile) !== ACTIVE_JOURNAL || !fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => SEGMENT.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .flatMap((m) => {
      try {
        const file = path.join(dir, m[0]);
        return [{ file, lastSeq: Number(m[1]), bytes: fs.statSync(file).size }];
      } catch {
        return []; // removed by rotation meanwhile
      }
    })
    .sort((a, b) => a.lastSeq - b.lastSeq);
}

export function matches(e: JournalEntry, f: JournalFilter): boolean {
  if (f.requestId && e.requestId?.toLowerCase() !== f.requestId.toLowerCase()) return false;
  if (f.path && !e.path.startsWith(f.path)) return false;
  if (f.status !== undefined && e.status !== f.status) return false;
  if (f.direction && e.direction !== f.direction) return false;
  if (f.role && e.role !== f.role) return false;
  return true;
}

function parse(line: string): JournalEntry | undefined {
  try {
    return JSON.parse(line) as JournalEntry;
  } catch {
    return undefined; // a torn last line after a crash
  }
}

/** A file's lines, last first, read in chunks from its end. A file gone meanwhile has none. */
export function* linesBackward(file: string): Generator<string> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return;
  }
  try {
    let pos = fs.fstatSync(fd).size;
    // Bytes of a line whose start lies in an earlier chunk.
    let rest = Buffer.alloc(0);
    while (pos > 0) {
      const n = Math.min(CHUNK, pos);
      pos -= n;
      const chunk = Buffer.alloc(n);
      fs.readSync(fd, chunk, 0, n, pos);
      const buf = rest.length ? Buffer.concat([chunk, rest]) : chunk;
      let end = buf.length;
      for (let nl = buf.lastIndexOf(10, end - 1); nl !== -1; nl = end > 0 ? buf.lastIndexOf(10, end - 1) : -1) {
        if (end > nl + 1) yield buf.subarray(nl + 1, end).toString('utf8');
        end = nl;
      }
      rest = Buffer.from(buf.subarray(0, end));
    }
    if (rest.length) yield rest.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The seq of a file's last complete entry (0 when it has none). */
export function lastSeqIn(file: string): number {
  for (const line of linesBackward(file)) {
    const e = line ? parse(line) : undefined;
    if (e) return e.seq ?? 0;
  }
  return 0;
}

/** Where the file's last complete line ends: bytes after it are a write torn by a crash. */
export function endOfLastLine(fd: number, size: number): number {
  for (let pos = size; pos > 0; ) {
    const n = Math.min(CHUNK, pos);
    pos -= n;
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, pos);
    const nl = buf.lastIndexOf(10);
    if (nl !== -1) return pos + nl + 1;
  }
  return 0;
}

/** The newest `limit` matching entries, reading files newest-first and each from its end. */
function newest(files: string[], filter: JournalFilter, limit: number): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const file of [...files].reverse()) {
    for (const line of linesBackward(file)) {
      const e = line ? parse(line) : undefined;
      if (!e || !matches(e, filter)) continue;
      out.push(e);
      if (out.length >= limit) return out.reverse();
    }
  }
  return out.reverse();
}

async function all(files: string[], filter: JournalFilter): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for (const file of files) {
    let input: fs.ReadStream;
    try {
      input = fs.createReadStream(file);
      await new Promise((resolve, reject) => input.once('open', resolve).once('error', reject));
    } catch {
      continue; // removed by rotation meanwhile
    }
    for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
      const e = line ? parse(line) : undefined;
      if (e && matches(e, filter)) out.push(e);
    }
  }
  return out;
}

/**
 * Read a journal, newest last, keeping entries that match the filter (the last `limit` of them).
 * `file` is the active journal.ndjson; its closed segments are read with it.
 */
export async function readJournal(file: string, filter: JournalFilter = {}): Promise<JournalEntry[]> {
  const files = [...closedSegments(file).map((s) => s.file), file];
  return filter.limit ? newest(files, filter, filter.limit) : all(files, filter);
}
