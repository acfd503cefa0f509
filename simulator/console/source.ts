// Where the console reads from: a live simulator (its journal as it grows, its store, the run under
// way) or a finished run's recorded data (a journal file and run folders, e.g. from a bundle laid out
// as a state directory). The page and its API are the same either way.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { readJournal, type Journal, type JournalEntry } from '../store/journal.js';
import type { Resource, Store } from '../store/state.js';
import type { TestUser } from '../testdata/users.js';
import type { RunEvent } from '../scenarios/events.js';
import { listRuns, readResults, runDir } from '../runs/run-store.js';
import { bearerOf, bodyOf, responseOf, tokenParams, JWT_BEARER } from '../scenarios/correlation.js';
import { decodeUnverified } from '../crypto/jose.js';
import { applyRunEvent, progressFromResults, type RunProgress } from './run-progress.js';
import { recordedAttribution } from './timeline.js';

/** The journal entries a page loads at most: a console is for a run, not for a bench's million calls. */
export const TIMELINE_LIMIT = 5000;

export type ConsoleUpdate = { type: 'entry'; entry: JournalEntry } | { type: 'run'; event: RunEvent['type']; progress: RunProgress };

export type ConsoleRegistration = Partial<Resource> & { resource_id: string; name: string; owner: string; owner_user_id?: string };

export interface ConsoleSource {
  kind: 'live' | 'recorded';
  /** What the page says it shows, e.g. "live simulator" or the run id. */
  label: string;
  /** The state directory whose runs/ holds the runs listed (and their reports). */
  stateDir: string;
  entries(): Promise<JournalEntry[]>;
  registrations(): ConsoleRegistration[];
  /** The run the journal belongs to: under way, just finished, or recorded. */
  run(): RunProgress | undefined;
  /** Live updates; returns the unsubscribe. A recorded source never changes. */
  subscribe(listener: (u: ConsoleUpdate) => void): () => void;
  /** A finished run's own correlation of its exchanges to test cases (timeline.ts), when there is one. */
  recorded?: (e: JournalEntry) => { testCase?: string; scenario?: string } | undefined;
}

function withUserIds(resources: ConsoleRegistration[], users: TestUser[]): ConsoleRegistration[] {
  const idBySub = new Map(users.map((u) => [u.sub, u.id]));
  return resources.map((r) => (idBySub.has(r.owner) ? { ...r, owner_user_id: idBySub.get(r.owner) } : r));
}

/** The console over a running simulator. Feed it the run's lifecycle events with `runEvent`. */
export class LiveConsoleSource implements ConsoleSource {
  readonly kind = 'live';
  readonly label = 'live simulator';
  private progress?: RunProgress;
  private updates = new EventEmitter();

  constructor(private deps: { journal: Journal; store: Store; users: TestUser[]; stateDir: string }) {
    this.updates.setMaxListeners(0);
  }

  get stateDir(): string {
    return this.deps.stateDir;
  }

  entries(): Promise<JournalEntry[]> {
    return readJournal(this.deps.journal.file, { limit: TIMELINE_LIMIT });
  }

  registrations(): ConsoleRegistration[] {
    return withUserIds(this.deps.store.resources(), this.deps.users);
  }

  run(): RunProgress | undefined {
    return this.progress;
  }

  /** A RunEventListener: pass it to the rehearsal's events. */
  runEvent = (e: RunEvent): void => {
    this.progress = applyRunEvent(this.progress, e);
    if (this.progress) this.updates.emit('update', { type: 'run', event: e.type, progress: this.progress });
  };

  subscribe(listener: (u: ConsoleUpdate) => void): () => void {
    // The journal is listened to only while a page is open: the C&A's hot path pays nothing otherwise.
    const onEntry = (entry: JournalEntry) => listener({ type: 'entry', entry });
    this.deps.journal.on('entry', onEntry);
    this.updates.on('update', listener);
    return () => {
      this.deps.journal.off('entry', onEntry);
      this.updates.off('update', listener);
    };
  }
}

/**
 * The registrations a journal shows: every accepted POST /rreguri, then its PATCHes and DELETEs,
 * owned by the user whose PAT made it (read from the PAT exchanges). For recorded runs, which keep
 * the journal but not the C&A's store.
 */
export function registrationsFromJournal(entries: JournalEntry[]): ConsoleRegistration[] {
  const subByPat = new Map<string, string>();
  const byId = new Map<string, ConsoleRegistration>();
  for (const e of entries) {
    if (e.direction !== 'in' || e.role !== 'ca' || e.status >= 300) continue;
    if (e.path === '/token' && tokenParams(e).grant_type === JWT_BEARER) {
      const pat = responseOf<{ access_token?: string }>(e).access_token;
      const sub = decodeUnverified(tokenParams(e).assertion ?? '')?.payload.sub;
      if (pat && typeof sub === 'string') subByPat.set(pat, sub);
    } else if (e.path === '/rreguri' && e.method === 'POST') {
      const b = bodyOf<{ name?: string; description?: string; match_status?: string; resource_scopes?: string[]; inbound_request_id?: string }>(e);
      const id = responseOf<{ resource_id?: string }>(e).resource_id;
      if (!id || byId.has(id)) continue; // a repeat POST (200) is the same registration
      byId.set(id, {
        resource_id: id,
        name: String(b.name ?? ''),
        description: String(b.description ?? ''),
        match_status: b.match_status as Resource['match_status'],
        resource_scopes: b.resource_scopes,
        ...(b.inbound_request_id ? { inbound_request_id: b.inbound_request_id } : {}),
        request_id: e.requestId ?? '',
        owner: subByPat.get(bearerOf(e) ?? '') ?? '',
        created_at: e.time,
        updated_at: e.time,
      });
    } else if (e.path.startsWith('/rreguri/')) {
      const r = byId.get(decodeURIComponent(e.path.slice('/rreguri/'.length)));
      if (!r) continue;
      if (e.method === 'PATCH') Object.assign(r, { match_status: bodyOf(e).match_status, updated_at: e.time });
      if (e.method === 'DELETE') Object.assign(r, { deleted_at: e.time, updated_at: e.time, deletion_reason: new URLSearchParams(e.url.split('?')[1] ?? '').get('deletion_reason') });
    }
  }
  return [...byId.values()];
}

/**
 * The console over recorded data: a directory laid out as a state directory (journal.ndjson and
 * runs/<run id>/), such as an extracted run bundle. `runId` picks the run shown (default: the newest).
 */
export async function recordedSource(opts: { stateDir: string; runId?: string; users?: TestUser[] }): Promise<ConsoleSource> {
  const journalFile = path.join(opts.stateDir, 'journal.ndjson');
  if (!fs.existsSync(journalFile) && !fs.existsSync(path.join(opts.stateDir, 'runs'))) {
    throw new Error(`${opts.stateDir} holds neither a journal.ndjson nor a runs/ folder`);
  }
  const entries = await readJournal(journalFile, { limit: TIMELINE_LIMIT });
  const results = opts.runId ? readResults(runDir(opts.stateDir, opts.runId)) : listRuns(opts.stateDir).find((r) => r.results)?.results;
  if (opts.runId && !results) throw new Error(`no complete run "${opts.runId}" in ${path.join(opts.stateDir, 'runs')}`);
  const registrations = withUserIds(registrationsFromJournal(entries), opts.users ?? []);
  return {
    kind: 'recorded',
    label: results ? `recorded run ${results.run.id}` : 'recorded journal',
    stateDir: opts.stateDir,
    entries: async () => entries,
    registrations: () => registrations,
    run: () => (results ? progressFromResults(results) : undefined),
    subscribe: () => () => {},
    ...(results ? { recorded: recordedAttribution(results.testCases, entries) } : {}),
  };
}
