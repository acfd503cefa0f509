// The journal: every exchange cda-sim takes part in, inbound (a provider calling the C&A) and
// outbound (cda-sim calling a provider), one NDJSON line each in <state-dir>/journal.ndjson.
// Lines are written synchronously so a killed process keeps every exchange it answered.
// Subscribers (a live console, correlation checks, a run's own copy) get each entry as an event:
// MSW's lifecycle events are the model.
//
// Bounded: a body over BODY_LIMIT_BYTES is kept cut to that, with its size and sha256; the file
// rotates into closed segments (journal-<last seq>.ndjson) and the oldest are removed so all of them
// stay within the cap (DEFAULT_JOURNAL_CAP, `--journal-cap-mib`). Rotation cannot lose an exchange a
// kept run refers to: each run appends every entry to its own copy in its run folder as it happens
// (runs/run-record.ts), so the live journal is a window on recent traffic, not a run's record.
//
// A write the disk refuses (full, read-only) never takes the process down: the line is held in
// memory (up to UNWRITTEN_LIMIT bytes, the oldest dropped and counted beyond that), written first
// when a later write succeeds, and the failure is counted for /admin/status. The exchange itself
// still reaches every subscriber. With --fsync the journal joins the state's group commit: its lines
// are fdatasynced once per turn of the event loop, before that turn's answers go.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { CommitGroup, CommitMember } from './commit-group.js';
import { appendAll, diskCause, disk, isTorn, makePrivateDir, openPrivateAppend } from './disk.js';
import { ACTIVE_JOURNAL, closedSegments, endOfLastLine, lastSeqIn, segmentFile, type Segment } from './journal-segments.js';
import type { ClippedBody, JournalEntry, NewJournalEntry } from './journal-entry.js';

export { matches, readJournal } from './journal-segments.js';
export type { ClippedBody, JournalEntry, JournalFilter, NewJournalEntry } from './journal-entry.js';

/** A body beyond this many bytes (UTF-8) is journalled cut to it, with its size and digest. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** No line is longer (headers are replaced by a note beyond it): a segment always holds one. */
const LINE_LIMIT = 4 * BODY_LIMIT_BYTES;
/** The journal's default size on disk, all segments together: a full rehearsal takes a few MiB. */
export const DEFAULT_JOURNAL_CAP = 256 * 1024 * 1024;
export const MIN_JOURNAL_CAP = 2 * 1024 * 1024;
const MiB = 1024 * 1024;
/** A cap given in MiB (`--journal-cap-mib`, `simulator.journalCapMiB`), in bytes. */
export const journalCapFromMiB = (mib: number | undefined): number | undefined => (mib === undefined ? undefined : Math.round(mib * MiB));
/** The cap is split into this many segments: removing the oldest frees an eighth. */
const SEGMENTS = 8;
/** Lines held in memory while the disk refuses them, at most. */
const UNWRITTEN_LIMIT = 16 * 1024 * 1024;

/** How the journal's writes are going, for /admin/status. */
export interface JournalStatus {
  file: string;
  /** Bytes on disk, every segment together, and the cap they are kept within. */
  bytes: number;
  capBytes: number;
  segments: number;
  /** Writes the disk refused since start. */
  writeFailures: number;
  /** Entries held in memory, not yet on disk (written first once the disk takes writes again). */
  unwritten: number;
  /** Entries given up after UNWRITTEN_LIMIT bytes were held: counted, not kept. */
  dropped: number;
  /** Subscribers (e.g. a run's own copy) that failed on an entry. */
  subscriberFailures: number;
  lastError?: { at: string; message: string };
}

export interface JournalOptions {
  /** Bytes the journal may take on disk, every segment together (at least MIN_JOURNAL_CAP). */
  capBytes?: number;
  /** The state's group commit: with its fsync on, lines are synced once per turn, before its answers. */
  commits?: CommitGroup;
}

/**
 * A body's text cut to BODY_LIMIT_BYTES on a character boundary, with what it was. Only the kept
 * head is encoded: the size and digest are taken from the text itself, so a large body costs one
 * serialisation and no copy of its bytes. `json`: the body's JSON already encoded, if the caller has it.
 */
function clip(body: unknown, json?: Buffer): { body: unknown; clipped?: ClippedBody } {
  if (body === undefined) return { body };
  if (json !== undefined && typeof body !== 'string') return clipEncoded(body, json);
  let text: string;
  try {
    text = typeof body === 'string' ? body : JSON.stringify(body);
  } catch {
    return { body };
  }
  if (text === undefined) return { body };
  const bytes = Buffer.byteLength(text);
  if (bytes <= BODY_LIMIT_BYTES) return { body };
  // The first BODY_LIMIT_BYTES characters encode to at least that many bytes, so the cut is inside them.
  const head = Buffer.from(text.slice(0, BODY_LIMIT_BYTES), 'utf8');
  let kept = BODY_LIMIT_BYTES;
  while (kept > 0 && kept < head.length && (head[kept] & 0xc0) === 0x80) kept--; // not inside a character
  return { body: head.subarray(0, kept).toString('utf8'), clipped: { bytes, sha256: createHash('sha256').update(text, 'utf8').digest('hex'), kept } };
}

/** clip, for a body whose JSON the caller has already encoded (JSON.stringify(body) as UTF-8). */
function clipEncoded(body: unknown, json: Buffer): { body: unknown; clipped?: ClippedBody } {
  if (json.length <= BODY_LIMIT_BYTES) return { body };
  let kept = BODY_LIMIT_BYTES;
  while (kept > 0 && (json[kept] & 0xc0) === 0x80) kept--; // not inside a character
  return { body: json.subarray(0, kept).toString('utf8'), clipped: { bytes: json.length, sha256: createHash('sha256').update(json).digest('hex'), kept } };
}

/**
 * One journal line. Bodies reach here already bounded in nesting (checked before parsing), so
 * serialising only fails on a value no guard foresaw: the exchange is then kept with its bodies
 * replaced by why they could not be written, rather than the process failing.
 */
function serialise(entry: JournalEntry): string {
  try {
    return JSON.stringify(entry);
  } catch (err) {
    const why = `[not journalled: ${(err as Error).message}]`;
    return JSON.stringify({ ...entry, requestBody: why, responseBody: why });
  }
}

/**
 * Whether a body is over BODY_LIMIT_BYTES by what is known without serialising it: a string's
 * length, or the Content-Length it travelled with. Only decides which way round boundedLine works.
 */
function surelyLarge(body: unknown, headers: Record<string, string> | undefined, json?: Buffer): boolean {
  if (body === undefined) return false;
  if (typeof body === 'string') return body.length > BODY_LIMIT_BYTES;
  if (json !== undefined) return json.length > BODY_LIMIT_BYTES;
  return Number(headers?.['content-length']) > BODY_LIMIT_BYTES;
}

/** The entry's line, its bodies cut to BODY_LIMIT_BYTES (on the entry itself, so subscribers see what was kept). */
function boundedLine(entry: JournalEntry, requestBodyJson?: Buffer): string {
  // Most entries fit: one serialisation. A body known to be large is cut first instead, so its
  // whole text is never written into a line only to be thrown away.
  let line: string | undefined;
  if (!surelyLarge(entry.requestBody, entry.requestHeaders, requestBodyJson) && !surelyLarge(entry.responseBody, entry.responseHeaders)) {
    line = serialise(entry);
    if (Buffer.byteLength(line) <= BODY_LIMIT_BYTES) return line;
  }
  const req = clip(entry.requestBody, requestBodyJson);
  const res = clip(entry.responseBody);
  if (req.clipped) Object.assign(entry, { requestBody: req.body, requestBodyClipped: req.clipped });
  if (res.clipped) Object.assign(entry, { responseBody: res.body, responseBodyClipped: res.clipped });
  const clippedLine = line === undefined || req.clipped || res.clipped ? serialise(entry) : line;
  if (Buffer.byteLength(clippedLine) <= LINE_LIMIT) return clippedLine;
  const note = { 'x-cda-sim-not-journalled': 'the exchange was too large to journal its headers' };
  Object.assign(entry, { requestHeaders: note, responseHeaders: note, url: entry.url.slice(0, 2048), error: entry.error?.slice(0, 2048) });
  return serialise(entry);
}

export class Journal extends EventEmitter implements CommitMember {
  readonly file: string;
  private readonly dir: string;
  private fd = -1;
  private seq = 0;
  /** The seq of the last entry on disk: a rotated segment is named by it. */
  private seqOnDisk = 0;
  private activeBytes = 0;
  private closed: Segment[];
  private readonly capBytes: number;
  private readonly segmentBytes: number;
  /** Lines the disk refused, oldest first, with their seq. */
  private unwritten: { line: string; seq: number }[] = [];
  private unwrittenBytes = 0;
  /** The disk is refusing the journal's writes (since the last failure, until a write succeeds). */
  private outage = false;
  /** A failed write could not be cut back: the file may end inside a line. */
  private torn = false;
  private syncDue = false;
  private health = { writeFailures: 0, dropped: 0, subscriberFailures: 0, lastError: undefined as JournalStatus['lastError'] };

  constructor(
    dir: string,
    private now: () => number,
    private opts: JournalOptions = {},
  ) {
    super();
    makePrivateDir(dir);
    this.dir = dir;
    this.file = path.join(dir, ACTIVE_JOURNAL);
    this.capBytes = Math.max(MIN_JOURNAL_CAP, opts.capBytes ?? DEFAULT_JOURNAL_CAP);
    this.segmentBytes = Math.max(LINE_LIMIT, Math.floor(this.capBytes / SEGMENTS));
    this.closed = closedSegments(this.file);
    this.openActive();
    this.seq = lastSeqIn(this.file) || (this.closed.length ? this.closed[this.closed.length - 1].lastSeq : 0);
    this.seqOnDisk = this.seq;
  }

  /** Open journal.ndjson for appending, cutting off a line a crash tore. */
  private openActive(): void {
    this.fd = openPrivateAppend(this.file);
    const size = fs.fstatSync(this.fd).size;
    this.activeBytes = endOfLastLine(this.fd, size);
    if (this.activeBytes !== size) fs.ftruncateSync(this.fd, this.activeBytes);
  }

  /**
   * `requestBodyJson`, when the caller has it already, must be JSON.stringify(e.requestBody) as
   * UTF-8: a large body is then neither serialised nor encoded again.
   */
  record(e: NewJournalEntry, requestBodyJson?: Buffer): JournalEntry {
    // The caller's object becomes the entry (no copy: this runs for every exchange).
    const entry = e as JournalEntry;
    entry.seq = ++this.seq;
    entry.time ??= new Date(this.now()).toISOString();
    const line = boundedLine(entry, requestBodyJson) + '\n';
    this.write(line, entry.seq);
    this.publish(entry, line);
    return entry;
  }

  /**
   * Every subscriber gets the entry, and its journal line (newline included), even when one of them
   * fails (a run's copy on a full disk).
   */
  private publish(entry: JournalEntry, line: string): void {
    for (const listener of this.listeners('entry')) {
      try {
        (listener as (e: JournalEntry, line: string) => void)(entry, line);
      } catch (err) {
        // A subscriber's failure (a run's own copy on a full disk) must not stop the exchange or the process.
        if (this.health.subscriberFailures++ === 0) console.error(`cda-sim: a journal subscriber failed (${diskCause(err)}); failures are counted on /admin/status.`);
      }
    }
  }

  /** Append the line, after any held back; on failure hold it (bounded) and count. */
  private write(line: string, seq: number): void {
    const lines = this.unwritten.length ? [...this.unwritten, { line, seq }] : [{ line, seq }];
    let done = 0;
    try {
      if (this.fd < 0) this.openActive();
      if (this.torn) this.activeBytes = appendAll(this.fd, '\n', this.activeBytes); // end the torn line
      this.torn = false;
      for (; done < lines.length; done++) {
        const bytes = Buffer.byteLength(lines[done].line);
        if (this.activeBytes > 0 && this.activeBytes + bytes > this.segmentBytes) this.rotate();
        this.activeBytes = appendAll(this.fd, lines[done].line, this.activeBytes);
        this.seqOnDisk = lines[done].seq;
      }
    } catch (err) {
      this.torn = isTorn(err);
      this.hold(lines.slice(done));
      this.failed(err as Error, 'writing the journal');
      return;
    }
    if (this.outage) {
      this.outage = false;
      console.error(`cda-sim: the journal can be written again; ${lines.length - 1} held entr${lines.length === 2 ? 'y is' : 'ies are'} now on disk.`);
    }
    this.unwritten = [];
    this.unwrittenBytes = 0;
    if (this.opts.commits?.fsync) {
      this.syncDue = true;
      this.opts.commits.schedule(this);
    }
  }

  private hold(lines: { line: string; seq: number }[]): void {
    this.unwritten = lines;
    this.unwrittenBytes = lines.reduce((n, l) => n + l.line.length, 0);
    while (this.unwrittenBytes > UNWRITTEN_LIMIT && this.unwritten.length > 1) {
      this.unwrittenBytes -= this.unwritten.shift()!.line.length;
      this.health.dropped++;
    }
  }

  /** Count a failure; say so on stderr once per outage (the count is on /admin/status). */
  private failed(err: Error, what: string): void {
    this.health.writeFailures++;
    this.health.lastError = { at: new Date(this.now()).toISOString(), message: diskCause(err) };
    if (this.outage) return;
    this.outage = true;
    console.error(`cda-sim: ${what} failed (${diskCause(err)}). Entries are held in memory and written once the disk takes them; failures are counted on /admin/status.`);
  }

  /** Close the active file as a segment, start a new one, and remove the oldest segments beyond the cap. */
  private rotate(): void {
    if (this.syncDue) disk.fdatasyncSync(this.fd);
    const segment = segmentFile(this.dir, this.seqOnDisk);
    fs.renameSync(this.file, segment);
    this.closed.push({ file: segment, lastSeq: this.seqOnDisk, bytes: this.activeBytes });
    fs.closeSync(this.fd);
    this.fd = -1;
    this.activeBytes = 0;
    this.openActive();
    let closedBytes = this.closed.reduce((n, s) => n + s.bytes, 0);
    while (this.closed.length && closedBytes + this.segmentBytes > this.capBytes) {
      const oldest = this.closed.shift()!;
      fs.rmSync(oldest.file, { force: true });
      closedBytes -= oldest.bytes;
    }
  }

  /** The group commit's part (with --fsync): this turn's lines synced in one fdatasync. A failure is counted, never thrown: the journal is a record, not state. */
  commitTurn(): void {
    if (!this.syncDue || this.fd < 0) return;
    this.syncDue = false;
    try {
      disk.fdatasyncSync(this.fd);
    } catch (err) {
      this.failed(err as Error, 'syncing the journal');
    }
  }

  status(): JournalStatus {
    return {
      file: this.file,
      bytes: this.activeBytes + this.closed.reduce((n, s) => n + s.bytes, 0),
      capBytes: this.capBytes,
      segments: this.closed.length + 1,
      writeFailures: this.health.writeFailures,
      unwritten: this.unwritten.length,
      dropped: this.health.dropped,
      subscriberFailures: this.health.subscriberFailures,
      ...(this.health.lastError ? { lastError: this.health.lastError } : {}),
    };
  }

  /** Start a new, empty journal (reset). */
  clear(): void {
    for (const s of this.closed) fs.rmSync(s.file, { force: true });
    this.closed = [];
    if (this.fd >= 0) fs.closeSync(this.fd);
    fs.writeFileSync(this.file, '', { mode: 0o600 });
    this.openActive();
    this.unwritten = [];
    this.unwrittenBytes = 0;
    this.seq = 0;
    this.seqOnDisk = 0;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
