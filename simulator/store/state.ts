// Durable simulator state: a lowdb snapshot plus an append-only write-ahead log (WAL).
//
// Why a WAL: "a 2xx means the change is on disk". Rewriting a 100,000-PeI snapshot on every
// registration would cost tens of milliseconds; appending one line with a synchronous write costs
// microseconds. A process killed with SIGKILL loses nothing whose write() returned, because the
// bytes are already in the operating system's cache. Pass `fsync: true` to survive power loss too.
//
// Group commit: the mutations of one turn of the event loop go to the WAL in one write() (and one
// fsync), at the end of that turn (store/commit-group.ts, shared with the journal and reporting
// submissions). Until then they are applied in memory but not durable, so answers wait for them:
// whenDurable() holds every answer back until the write has returned (the HTTP layer does this for
// every response; see http/durable-answers.ts). Under load one write then carries the
// registrations of every connection that spoke in that turn.
//
// A write that fails (disk full, read-only) is cut back out of the WAL and its mutations are undone
// in memory, so memory never runs ahead of the disk: the turn's answers are refused, reads go on
// serving what is durable, and the next turn simply tries again (recovery needs no restart).
//
// Files in the state directory (0600; the directory 0700: they hold PATs and RPTs):
//   state.json          lowdb snapshot, written atomically (0600 temp file + rename)
//   wal-<seq>.ndjson    one mutation per line, each with an increasing sequence number
// Opening replays every WAL over the snapshot, skipping entries the snapshot already holds, so a
// crash between "snapshot written" and "old WAL removed" is harmless. A torn last line is ignored.
import fs from 'node:fs';
import path from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { CommitGroup, type CommitMember } from './commit-group.js';
import { appendAll, cutBack, diskCause, disk, isTorn, makePrivateDir, openPrivateAppend } from './disk.js';

export type MatchStatus = 'match-yes' | 'match-possible';
export type DeletionReason = 'match-no' | 'match-timeout' | 'match-withdrawn' | 'asset-removed';

export interface ResourceEvent {
  at: string;
  action: 'registered' | 'updated' | 'deleted';
  request_id: string;
  match_status?: MatchStatus;
  deletion_reason?: DeletionReason;
  inbound_request_id?: string;
}

/** A registered PeI. Deleted ones are kept (with `deleted_at`) so later checks can see what happened. */
export interface Resource {
  resource_id: string;
  name: string;
  description: string;
  match_status: MatchStatus;
  resource_scopes: string[];
  inbound_request_id?: string;
  /** The X-Request-ID of the registering call; reusing it answers 409. */
  request_id: string;
  /** `sub` of the user whose PAT registered it: only that user's PAT may use it. */
  owner: string;
  created_at: string;
  updated_at: string;
  deleted_at?: string;
  deletion_reason?: DeletionReason;
  history: ResourceEvent[];
}

export interface PatRecord {
  jti: string;
  sub: string;
  token: string;
  issued_at: number;
  exp: number;
}

export interface RptRecord {
  jti: string;
  /** The dashboard that asked (the RQP issuer). */
  iss: string;
  sub: string;
  exp: number;
  permissions: { resource_id: string; resource_scopes: string[]; exp: number }[];
}

export interface StateData {
  version: 1;
  lastSeq: number;
  resources: Record<string, Resource>;
  pats: Record<string, PatRecord>;
  rpts: Record<string, RptRecord>;
}

type Mutation =
  | { op: 'resource'; value: Resource }
  | { op: 'pat'; value: PatRecord }
  | { op: 'rpt'; value: RptRecord }
  | { op: 'reset' };

type WalEntry = Mutation & { seq: number };

const emptyState = (): StateData => ({ version: 1, lastSeq: 0, resources: {}, pats: {}, rpts: {} });

export interface StoreOptions {
  /** fsync every WAL append (survives power loss, not only a killed process). */
  fsync?: boolean;
  /** Fold the WAL into the snapshot once it holds this many entries. */
  compactAfter?: number;
}

/** How the state's writes are going, for /admin/status. */
export interface WriteHealth {
  /** Writes (turns of the log, snapshots) that failed since start. */
  writeFailures: number;
  /** True while the last write failed: writes are refused (503), reads are served. */
  failing: boolean;
  lastError?: { at: string; message: string };
}

/** The snapshot file: JSON, written whole through a private temp file (disk.writeFileAtomic). */
class SnapshotFile implements Adapter<StateData> {
  constructor(
    private file: string,
    private fsync: boolean,
  ) {}
  async read(): Promise<StateData | null> {
    try {
      return JSON.parse(await fs.promises.readFile(this.file, 'utf8')) as StateData;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
  write(data: StateData): Promise<void> {
    return disk.writeFileAtomic(this.file, JSON.stringify(data), this.fsync);
  }
}

export class Store implements CommitMember {
  private walFd = -1;
  private walEntries = 0;
  /** Bytes in the open WAL file: a failed append is cut back to this. */
  private walBytes = 0;
  /** WAL lines of this turn of the event loop, not yet written. */
  private walPending: string[] = [];
  private walPendingFirstSeq = 0;
  /** How to take back this turn's mutations in memory, should their write fail (newest last). */
  private undoPending: (() => void)[] = [];
  /** Set only when a failed write could not even be cut back out of the log: nothing more is accepted. */
  private failed: Error | null = null;
  private health: WriteHealth = { writeFailures: 0, failing: false };
  /** The group commit this store's log belongs to (the journal and reporting submissions join it). */
  readonly commits: CommitGroup;
  private compacting: Promise<void> | null = null;
  /** The sequence number the snapshot on disk holds (-1: not written by this process yet). */
  private snapshotSeq = -1;
  // Indexes rebuilt on open; the snapshot holds only records.
  private byName = new Map<string, string>();
  private registrationRequestIds = new Set<string>();
  private patsByToken = new Map<string, PatRecord>();
  private patBySub = new Map<string, PatRecord>();

  private constructor(
    readonly dir: string,
    private db: Low<StateData>,
    private opts: Required<StoreOptions>,
  ) {
    this.commits = new CommitGroup(opts.fsync);
  }

  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    makePrivateDir(dir);
    const db = new Low<StateData>(new SnapshotFile(path.join(dir, 'state.json'), options.fsync ?? false), emptyState());
    try {
      await db.read();
    } catch (err) {
      throw new Error(`cda-sim: the state snapshot ${path.join(dir, 'state.json')} is unreadable (${(err as Error).message}); move it aside or run \`cda-sim reset\``);
    }
    db.data ??= emptyState();
    const store = new Store(dir, db, { fsync: false, compactAfter: 200_000, ...options });
    store.snapshotSeq = db.data.lastSeq;
    store.replayWal();
    store.rebuildIndexes();
    // Fold a replayed log into the snapshot now, so the next start does not replay it again.
    await store.compact();
    return store;
  }

  get data(): StateData {
    return this.db.data;
  }

  // ---- reads ----
  resource(id: string): Resource | undefined {
    return this.db.data.resources[id];
  }
  liveResourceByName(name: string): Resource | undefined {
    const id = this.byName.get(name);
    return id ? this.db.data.resources[id] : undefined;
  }
  registrationRequestIdUsed(requestId: string): boolean {
    return this.registrationRequestIds.has(requestId.toLowerCase());
  }
  patByToken(token: string): PatRecord | undefined {
    return this.patsByToken.get(token);
  }
  patForUser(sub: string): PatRecord | undefined {
    return this.patBySub.get(sub);
  }
  rpt(jti: string): RptRecord | undefined {
    return this.db.data.rpts[jti];
  }
  resources(): Resource[] {
    return Object.values(this.db.data.resources);
  }

  // ---- writes: applied in memory and appended to the WAL before the caller answers ----
  putResource(r: Resource): void {
    this.commit({ op: 'resource', value: r });
  }
  putPat(p: PatRecord): void {
    this.commit({ op: 'pat', value: p });
  }
  putRpt(r: RptRecord): void {
    this.commit({ op: 'rpt', value: r });
  }
  /** Clear every registration and token; crypto material lives elsewhere and is kept. */
  reset(): void {
    this.commit({ op: 'reset' });
  }

  private commit(m: Mutation): void {
    if (this.failed) throw new Error(`cda-sim: the state cannot be written (${this.failed.message}); restart cda-sim`);
    const entry = { ...m, seq: this.db.data.lastSeq + 1 } as WalEntry;
    this.appendWal(entry);
    this.undoPending.push(this.undoOf(entry));
    this.apply(entry);
    if (this.walEntries >= this.opts.compactAfter && !this.compacting) void this.compact();
  }

  private apply(e: WalEntry): void {
    const d = this.db.data;
    d.lastSeq = e.seq;
    switch (e.op) {
      case 'resource': {
        const previous = d.resources[e.value.resource_id];
        if (previous && this.byName.get(previous.name) === previous.resource_id) this.byName.delete(previous.name);
        d.resources[e.value.resource_id] = e.value;
        this.indexResource(e.value);
        break;
      }
      case 'pat':
        d.pats[e.value.jti] = e.value;
        this.indexPat(e.value);
        break;
      case 'rpt':
        d.rpts[e.value.jti] = e.value;
        break;
      case 'reset':
        d.resources = {};
        d.pats = {};
        d.rpts = {};
        this.byName.clear();
        this.registrationRequestIds.clear();
        this.patsByToken.clear();
        this.patBySub.clear();
        break;
    }
  }

  /** What takes `e` back out of memory. Records are replaced, never changed in place, so keeping the old ones is enough. */
  private undoOf(e: WalEntry): () => void {
    const d = this.db.data;
    const seq = d.lastSeq;
    const put = <T>(table: Record<string, T>, key: string) => {
      const before = table[key];
      return () => {
        if (before === undefined) delete table[key];
        else table[key] = before;
      };
    };
    const back =
      e.op === 'resource' ? put(d.resources, e.value.resource_id)
      : e.op === 'pat' ? put(d.pats, e.value.jti)
      : e.op === 'rpt' ? put(d.rpts, e.value.jti)
      : ((before) => () => Object.assign(d, before))({ resources: d.resources, pats: d.pats, rpts: d.rpts });
    return () => {
      back();
      d.lastSeq = seq;
    };
  }

  private indexResource(r: Resource): void {
    if (!r.deleted_at) this.byName.set(r.name, r.resource_id);
    this.registrationRequestIds.add(r.request_id.toLowerCase());
  }
  private indexPat(p: PatRecord): void {
    this.patsByToken.set(p.token, p);
    const current = this.patBySub.get(p.sub);
    if (!current || current.issued_at <= p.issued_at) this.patBySub.set(p.sub, p);
  }
  private rebuildIndexes(): void {
    this.byName.clear();
    this.registrationRequestIds.clear();
    this.patsByToken.clear();
    this.patBySub.clear();
    for (const r of Object.values(this.db.data.resources)) this.indexResource(r);
    for (const p of Object.values(this.db.data.pats)) this.indexPat(p);
  }

  // ---- WAL ----
  private walFiles(): { file: string; start: number }[] {
    return fs
      .readdirSync(this.dir)
      .map((f) => /^wal-(\d+)\.ndjson$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: path.join(this.dir, m[0]), start: Number(m[1]) }))
      .sort((a, b) => a.start - b.start);
  }

  private replayWal(): void {
    for (const { file } of this.walFiles()) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!line) continue;
        let entry: WalEntry;
        try {
          entry = JSON.parse(line);
        } catch {
          // Only the very last line can be torn by a crash mid-write; anything else is damage.
          if (i >= lines.length - 2) break;
          throw new Error(`cda-sim: ${file} line ${i + 1} is not valid JSON; the state directory is damaged`);
        }
        if (entry.seq <= this.db.data.lastSeq) continue;
        this.apply(entry);
      }
    }
  }

  private openWal(startSeq: number): string {
    if (this.walFd >= 0) fs.closeSync(this.walFd);
    this.walFd = -1;
    const file = path.join(this.dir, `wal-${String(startSeq).padStart(12, '0')}.ndjson`);
    this.walFd = openPrivateAppend(file);
    this.walBytes = fs.fstatSync(this.walFd).size;
    this.walEntries = 0;
    return file;
  }

  private appendWal(entry: WalEntry): void {
    if (this.walPending.length === 0) {
      this.walPendingFirstSeq = entry.seq;
      this.commits.schedule(this);
    }
    this.walPending.push(JSON.stringify(entry));
  }

  /** True when every mutation so far is on disk. */
  get durable(): boolean {
    return this.commits.idle;
  }

  /** Run `then` once every mutation made so far is on disk (at once, when nothing is pending). */
  whenDurable(then: (err?: Error) => void): void {
    if (this.failed) then(this.failed);
    else this.commits.whenDurable(then);
  }

  /** How the state's writes are going (for /admin/status). */
  writeHealth(): WriteHealth {
    return { ...this.health };
  }

  /** Commit this turn now: the pending WAL lines (and the journal's and submissions', which share the group). */
  readonly flush = (): void => this.commits.flush();

  /** The group commit's part: this turn's WAL lines in one write (and one fdatasync with fsync). */
  commitTurn(): void {
    if (this.walPending.length === 0) return;
    const lines = this.walPending.join('\n') + '\n';
    const count = this.walPending.length;
    let before = -1;
    try {
      if (this.walFd < 0) this.openWal(this.walPendingFirstSeq);
      before = this.walBytes;
      this.walBytes = appendAll(this.walFd, lines, before);
      if (this.opts.fsync) disk.fdatasyncSync(this.walFd);
    } catch (err) {
      // Written but not synced: cut it back out too, it is not durable.
      if (before >= 0 && this.walBytes !== before) cutBack(this.walFd, before, err as Error);
      if (before >= 0) this.walBytes = before;
      this.undoTurn();
      this.noteFailure(err as Error, 'writing the state\'s write-ahead log');
      throw err;
    }
    this.walEntries += count;
    this.walPending = [];
    this.undoPending = [];
    if (this.health.failing) {
      this.health.failing = false;
      console.error('cda-sim: the state can be written again; writes are accepted.');
    }
  }

  /** Take this turn's mutations back out of memory: what is served again matches the disk. */
  private undoTurn(): void {
    for (const undo of this.undoPending.reverse()) undo();
    this.walPending = [];
    this.undoPending = [];
    this.rebuildIndexes();
  }

  private noteFailure(err: Error, what: string, refusing = true): void {
    this.health.writeFailures++;
    this.health.lastError = { at: new Date().toISOString(), message: diskCause(err) };
    if (!refusing) {
      console.error(`cda-sim: ${what} failed (${diskCause(err)}); the write-ahead log keeps every change, and the next compaction tries again.`);
    } else if (isTorn(err)) {
      // The log may now end in part of a line that later lines would follow: stop writing to it.
      this.failed = err;
      console.error(`cda-sim: ${what} failed (${diskCause(err)}) and the log could not be cut back; nothing more is accepted: restart cda-sim.`);
    } else if (!this.health.failing) {
      this.health.failing = true;
      console.error(`cda-sim: ${what} failed (${diskCause(err)}): writes are refused (503) until the disk takes them again; reads go on.`);
    }
  }

  /** Write a fresh snapshot and drop the WAL files it covers. Safe to call at any time. */
  async compact(): Promise<void> {
    // One compaction at a time; a caller arriving mid-way waits, then folds in what came since.
    while (this.compacting) await this.compacting;
    if (this.snapshotSeq === this.db.data.lastSeq) return;
    this.compacting = (async () => {
      // Pending lines belong to the WAL the snapshot will cover: write them there first.
      this.flush();
      const covered = this.db.data.lastSeq;
      try {
        // New mutations go to a new WAL from here on, so none can be lost with the old files.
        const fresh = this.openWal(covered + 1);
        const oldWals = this.walFiles().filter((w) => w.file !== fresh);
        await this.db.write();
        for (const w of oldWals) fs.rmSync(w.file, { force: true });
        this.snapshotSeq = covered;
      } catch (err) {
        // The old logs are kept, so nothing is lost: the next compaction tries again.
        this.noteFailure(err as Error, 'writing the state snapshot', false);
      }
    })().finally(() => {
      this.compacting = null;
    });
    return this.compacting;
  }

  async close(): Promise<void> {
    this.flush();
    await this.compact();
    if (this.walFd >= 0) fs.closeSync(this.walFd);
    this.walFd = -1;
  }
}
