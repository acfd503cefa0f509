// Durable simulator state: a lowdb snapshot plus an append-only write-ahead log (WAL).
//
// Why a WAL: "a 2xx means the change is on disk". Rewriting a 100,000-PeI snapshot on every
// registration would cost tens of milliseconds; appending one line with a synchronous write costs
// microseconds. A process killed with SIGKILL loses nothing whose write() returned, because the
// bytes are already in the operating system's cache. Pass `fsync: true` to survive power loss too.
//
// Group commit: the mutations of one turn of the event loop go to the WAL in one write() (and one
// fsync), at the end of that turn. Until then they are applied in memory but not durable, so
// answers wait for them: whenDurable() holds every answer back until the write has returned (the
// HTTP layer does this for every response; see http/durable-answers.ts). Under load one write
// then carries the registrations of every connection that spoke in that turn.
//
// Files in the state directory:
//   state.json          lowdb snapshot, written atomically (temp file + rename) by lowdb's adapter
//   wal-<seq>.ndjson    one mutation per line, each with an increasing sequence number
// Opening replays every WAL over the snapshot, skipping entries the snapshot already holds, so a
// crash between "snapshot written" and "old WAL removed" is harmless. A torn last line is ignored.
import fs from 'node:fs';
import path from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';

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

export class Store {
  private walFd = -1;
  private walEntries = 0;
  /** WAL lines of this turn of the event loop, not yet written. */
  private walPending: string[] = [];
  private walPendingFirstSeq = 0;
  /** Answers waiting for walPending to be written. */
  private durableWaiters: ((err?: Error) => void)[] = [];
  /** Set when a WAL write failed: nothing more is acknowledged (memory is ahead of the disk). */
  private failed: Error | null = null;
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
  ) {}

  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    fs.mkdirSync(dir, { recursive: true });
    const adapter = new DataFile<StateData>(path.join(dir, 'state.json'), {
      parse: JSON.parse,
      stringify: (d) => JSON.stringify(d),
    });
    const db = new Low<StateData>(adapter, emptyState());
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
    const file = path.join(this.dir, `wal-${String(startSeq).padStart(12, '0')}.ndjson`);
    this.walFd = fs.openSync(file, 'a');
    this.walEntries = 0;
    return file;
  }

  private appendWal(entry: WalEntry): void {
    if (this.walPending.length === 0) {
      this.walPendingFirstSeq = entry.seq;
      setImmediate(this.flush);
    }
    this.walPending.push(JSON.stringify(entry));
  }

  /** True when every mutation so far is on disk. */
  get durable(): boolean {
    return this.walPending.length === 0;
  }

  /** Run `then` once every mutation made so far is on disk (at once, when nothing is pending). */
  whenDurable(then: (err?: Error) => void): void {
    if (this.failed) then(this.failed);
    else if (this.walPending.length === 0) then();
    else this.durableWaiters.push(then);
  }

  /** Write the pending WAL lines in one write (group commit), then release the answers waiting on them. */
  readonly flush = (): void => {
    if (this.walPending.length > 0 && !this.failed) {
      try {
        if (this.walFd < 0) this.openWal(this.walPendingFirstSeq);
        fs.writeSync(this.walFd, this.walPending.join('\n') + '\n');
        if (this.opts.fsync) fs.fdatasyncSync(this.walFd);
        this.walEntries += this.walPending.length;
      } catch (err) {
        this.failed = err as Error;
        console.error(`cda-sim: writing the state's write-ahead log failed: ${(err as Error).message}. Changes since the last answer are not acknowledged; restart cda-sim.`);
      }
    }
    this.walPending = [];
    const waiters = this.durableWaiters;
    this.durableWaiters = [];
    for (const w of waiters) w(this.failed ?? undefined);
  };

  /** Write a fresh snapshot and drop the WAL files it covers. Safe to call at any time. */
  async compact(): Promise<void> {
    // One compaction at a time; a caller arriving mid-way waits, then folds in what came since.
    while (this.compacting) await this.compacting;
    if (this.snapshotSeq === this.db.data.lastSeq) return;
    this.compacting = (async () => {
      // Pending lines belong to the WAL the snapshot will cover: write them there first.
      this.flush();
      const covered = this.db.data.lastSeq;
      // New mutations go to a new WAL from here on, so none can be lost with the old files.
      const fresh = this.openWal(covered + 1);
      const oldWals = this.walFiles().filter((w) => w.file !== fresh);
      await this.db.write();
      for (const w of oldWals) fs.rmSync(w.file, { force: true });
      this.snapshotSeq = covered;
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
