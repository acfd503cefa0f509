// The soak's driver: the open-model schedule, the finds, the registrations they lead to at the C&A,
// the view dance for each PeI registered, and what each of them measured.
import { signingPool } from '../crypto/signing-pool.js';
import { CliError, EXIT } from '../core/exit-codes.js';
import type { Clock } from '../core/clock.js';
import type { ProviderConfig } from '../config/provider-config.js';
import type { RunSimulator as Simulator } from '../rehearsal/simulated-cda.js';
import type { TestDataPack } from '../testdata/records.js';
import type { TestUser } from '../testdata/users.js';
import type { PfsDriver } from '../pfs/pfs-driver.js';
import type { DashboardDriver, ViewOutcome } from '../dashboard/dashboard-driver.js';
import type { JournalEntry } from '../store/journal.js';
import type { SoakFigures } from '../scenarios/soak-figures.js';
import { arrivalsBy, describeLoad, rateAt, type LoadProfile } from './load-profile.js';
import { FaultMix, isProviderCaCall, type FaultShare } from './fault-mix.js';
import { SoakMeter } from './meter.js';
import { isDashboardView, slimViewEntry } from './reporting-check.js';

/** PDP's availability figure (Code of Connection 2.1.5). */
export const AVAILABILITY_TARGET = 0.995;
/** How often the schedule is looked at: finds due are sent then, so none waits longer than this. */
const TICK_MS = 5;
/** How often finds still awaiting their registration are looked over. */
const SWEEP_EVERY_MS = 250;
/** Slow views listed by name in the results (all are counted). */
const SLOW_VIEW_EXAMPLES = 20;

export interface SoakStatus {
  elapsedMs: number;
  durationMs: number;
  draining: boolean;
  /** Finds a second: asked for now, sent and answered over the last interval. */
  askedRate: number;
  sentRate: number;
  answeredRate: number;
  findAckP99?: number;
  errors: number;
  inFlight: number;
  sent: number;
  views: number;
}

interface PendingFind {
  sentAt: number;
  deadline: number;
  registered: boolean;
}

/** What the driver needs of a soak set up. */
export interface DriverSetup {
  opts: { load: LoadProfile; maxInFlight?: number; faultMix?: { asked: string; shares: FaultShare[] }; onStatus?: (s: SoakStatus) => void; signal?: AbortSignal };
  clock: Clock;
  progress: (line: string) => void;
  runId: string;
  testData: TestDataPack;
  budgets: ProviderConfig['budgets'];
}

/** The test users the provider matches (by the test data's expected outcomes): the soak's pool. */
export function matchedUsers(users: TestUser[], testData: TestDataPack): TestUser[] {
  const matched = new Set(testData.expectations.filter((e) => e.outcome !== 'no-match' && e.records.length > 0).map((e) => e.user));
  return users.filter((u) => matched.has(u.id));
}

/** The soak itself: the schedule, the finds, the registrations they lead to, the view dances. */
export class SoakDriver {
  private readonly meter: SoakMeter;
  private readonly pending = new Map<string, PendingFind>();
  private readonly pool: TestUser[];
  private readonly faultMix?: FaultMix;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private maxSeen = 0;
  private sent = 0;
  private viewsSent = 0;
  private refused = 0;
  private lagMaxMs = 0;
  private findsOk = 0;
  private viewsOk = 0;
  private registrationsSeen = 0;
  private registrationsMissing = 0;
  private slowViews = 0;
  private readonly slowExamples: SoakFigures['slowViews']['examples'] = [];
  private startMs = 0;
  private lastSweep = 0;
  private draining = false;
  private lastStatus = { atMs: 0, sent: 0, answered: 0 };
  private answered = 0;
  /** Every find and view under way, to await at the end. */
  private readonly work = new Set<Promise<void>>();
  /** The view requests sent, for the reporting check (kept only when it will run). */
  readonly views: JournalEntry[] = [];

  constructor(
    private readonly s: DriverSetup,
    private readonly sim: Simulator,
    private readonly config: ProviderConfig,
    private readonly pfs: PfsDriver,
    private readonly dashboard: DashboardDriver,
    private readonly keepViews: boolean,
  ) {
    this.meter = new SoakMeter(s.opts.load.durationMs);
    this.pool = matchedUsers(sim.users, s.testData);
    if (!this.pool.length) throw new CliError('the test data matches none of the test users: the soak needs users whose finds register a PeI (scenarios/testdata.json expectations)', EXIT.usage);
    this.maxInFlight = s.opts.maxInFlight ?? 1000;
    const mix = s.opts.faultMix?.shares ?? [];
    if (mix.length) this.faultMix = new FaultMix(mix, sim.faults, this.pool.map((u) => u.sub));
  }

  private now(): number {
    return this.s.clock.now();
  }

  async run(): Promise<{ figures: SoakFigures; interrupted: boolean }> {
    await signingPool.start();
    const onEntry = (e: JournalEntry) => this.onJournal(e);
    this.sim.journal.on('entry', onEntry);
    const { load } = this.s.opts;
    this.s.progress(`soak: ${describeLoad(load)}, finds for ${this.pool.length} test users (${this.pool.map((u) => u.id).join(', ')}), a view dance for every PeI they register`);
    this.startMs = this.now();
    this.lastStatus = { atMs: this.startMs, sent: 0, answered: 0 };
    const status = setInterval(() => this.report(), 1000);
    status.unref();
    try {
      await this.sendOnSchedule();
      this.draining = true;
      await this.drain();
    } finally {
      clearInterval(status);
      this.sim.journal.off('entry', onEntry);
    }
    this.meter.tick(this.now() - this.startMs + this.meter.intervalMs);
    return { figures: this.figures(), interrupted: !!this.s.opts.signal?.aborted };
  }

  /** Open model: at each tick, every find due by now is sent, however many are still unanswered. */
  private async sendOnSchedule(): Promise<void> {
    const { load, signal } = this.s.opts;
    let last = this.now();
    while (!signal?.aborted) {
      const now = this.now();
      this.lagMaxMs = Math.max(this.lagMaxMs, now - last - TICK_MS);
      last = now;
      const elapsed = now - this.startMs;
      this.meter.tick(elapsed);
      this.sweepRegistrations(now);
      const due = Math.floor(arrivalsBy(load, elapsed) + 1e-9);
      while (this.sent < due) this.startFind(this.pool[this.sent % this.pool.length]);
      if (elapsed >= load.durationMs) return;
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  }

  /** After the last find: wait for every answer, and for registrations still due, up to the request timeout. */
  private async drain(): Promise<void> {
    const limit = this.now() + (this.s.opts.signal?.aborted ? 2000 : this.s.budgets.requestTimeoutMs + 1000);
    while (this.now() < limit) {
      this.meter.tick(this.now() - this.startMs);
      this.sweepRegistrations(this.now());
      const awaited = [...this.pending.values()].some((p) => !p.registered);
      if (this.work.size === 0 && !awaited) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private track(p: Promise<void>): void {
    this.work.add(p);
    void p.finally(() => this.work.delete(p));
  }

  /** Whether the in-flight bound lets one more request go; a refusal is counted, never silent. */
  private admit(what: 'find' | 'view'): boolean {
    if (this.inFlight >= this.maxInFlight) {
      this.refused++;
      this.meter.error(`${what} not sent: ${this.maxInFlight} requests already in flight (--max-in-flight)`);
      return false;
    }
    this.inFlight++;
    this.maxSeen = Math.max(this.maxSeen, this.inFlight);
    return true;
  }

  private startFind(user: TestUser): void {
    this.meter.findSent();
    const n = ++this.sent;
    if (!this.admit('find')) return;
    this.track(this.find(user, n).finally(() => this.inFlight--));
  }

  private async find(user: TestUser, n: number): Promise<void> {
    const f = await this.pfs.sendFind(user, 'valid', { soak: this.s.runId, find: String(n) });
    this.answered++;
    const stage = this.meter.stage('find-ack');
    if (f.response?.status === 202) {
      this.meter.findAcknowledged(f.ackMs);
      if (f.ackMs <= this.s.budgets.findAckMs) this.findsOk++;
      else this.meter.error(`find acknowledged after ${this.s.budgets.findAckMs} ms`);
      if (f.request.requestId) this.pending.set(f.request.requestId, { sentAt: f.sentAt, deadline: f.sentAt + this.s.budgets.registrationWindowMs, registered: false });
    } else if (f.response) {
      stage.failed(false);
      this.meter.error(`find answered ${f.response.status}`, true);
    } else {
      const timeout = f.error?.code === 'TIMEOUT';
      stage.failed(timeout);
      this.meter.error(timeout ? `find not answered within ${this.s.budgets.requestTimeoutMs} ms` : `find failed: ${f.error?.code}`, true);
    }
  }

  /** Every C&A exchange: the provider's own calls timed; a registration caused by a find starts a view of that PeI. */
  private onJournal(e: JournalEntry): void {
    if (this.keepViews && isDashboardView(e)) this.views.push(slimViewEntry(e));
    if (!isProviderCaCall(e)) return;
    const ca = this.meter.stage('ca-calls');
    if (e.status >= 200 && e.status < 300) ca.ok(e.durationMs);
    else ca.failed(false);
    this.faultMix?.afterProviderCall();
    if (e.method !== 'POST' || e.path !== '/rreguri' || e.status >= 300) return;
    const body = e.requestBody as { inbound_request_id?: unknown; name?: unknown } | undefined;
    const find = typeof body?.inbound_request_id === 'string' ? this.pending.get(body.inbound_request_id) : undefined;
    if (!find) return;
    if (!find.registered) {
      find.registered = true;
      this.registrationsSeen++;
      this.meter.stage('find-registration').ok(Date.parse(e.time) + e.durationMs - find.sentAt);
    }
    const asset = typeof body?.name === 'string' ? body.name.split(':')[3] : undefined;
    if (asset) this.startView(asset);
  }

  /** Registrations not seen within the registration window are missing (an error); seen ones are forgotten then. */
  private sweepRegistrations(now: number): void {
    // A few times a second is enough: a window is a minute long, and the map holds a minute of finds.
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [id, p] of this.pending) {
      if (now < p.deadline) continue;
      if (!p.registered) {
        this.registrationsMissing++;
        this.meter.stage('find-registration').failed(true);
        this.meter.error(`no registration within ${this.s.budgets.registrationWindowMs} ms of the find`);
      }
      this.pending.delete(id);
    }
  }

  private startView(assetGuid: string): void {
    this.viewsSent++;
    if (!this.admit('view')) return;
    this.track(this.view(assetGuid).finally(() => this.inFlight--));
  }

  private async view(assetGuid: string): Promise<void> {
    const v = await this.dashboard.view(this.config.provider.viewUrl, assetGuid, { tags: { soak: this.s.runId } });
    const okStatus = this.sim.profile.view.okStatus ?? 200;
    // Each leg's latency counts when it answered as the dance needs (401, 200, the data status); any other answer is the leg's error.
    const legs: ['first' | 'rptResponse' | 'second', 'view-challenge' | 'view-rpt' | 'view-data', number][] = [
      ['first', 'view-challenge', 401],
      ['rptResponse', 'view-rpt', 200],
      ['second', 'view-data', okStatus],
    ];
    for (const [leg, stage, due] of legs) {
      const answer = v[leg];
      if (answer?.status === due) this.meter.stage(stage).ok(answer.durationMs);
      else if (answer) this.meter.stage(stage).failed(false);
    }
    const timeout = v.errors.some((m) => /no response within/.test(m));
    const slowest = Math.max(v.first?.durationMs ?? 0, v.second?.durationMs ?? 0);
    const threshold = this.s.budgets.viewResponseMs;
    if (slowest > threshold) {
      this.slowViews++;
      if (this.slowExamples.length < SLOW_VIEW_EXAMPLES) this.slowExamples.push({ assetGuid, ms: Math.round(slowest), ...(v.requestIds.at(-1) ? { requestId: v.requestIds.at(-1) } : {}) });
    }
    const correct = v.final?.status === okStatus && !!v.viewDataToken && !v.signatureError;
    if (!correct) {
      this.meter.stage('view').failed(timeout);
      this.meter.error(viewError(v, timeout, this.s.budgets.requestTimeoutMs));
      return;
    }
    this.meter.viewDone(v.finishedAt - v.startedAt);
    if (slowest <= threshold) this.viewsOk++;
    else this.meter.error(`view response slower than ${threshold} ms`);
  }

  private report(): void {
    const now = this.now();
    const elapsedMs = now - this.startMs;
    const span = Math.max(1, now - this.lastStatus.atMs) / 1000;
    const st: SoakStatus = {
      elapsedMs,
      durationMs: this.s.opts.load.durationMs,
      draining: this.draining,
      askedRate: this.draining ? 0 : rateAt(this.s.opts.load, elapsedMs),
      sentRate: (this.sent - this.lastStatus.sent) / span,
      answeredRate: (this.answered - this.lastStatus.answered) / span,
      findAckP99: this.meter.findAckP99(),
      errors: this.meter.errorCount,
      inFlight: this.inFlight,
      sent: this.sent,
      views: this.viewsSent,
    };
    this.lastStatus = { atMs: now, sent: this.sent, answered: this.answered };
    this.s.opts.onStatus?.(st);
  }

  private figures(): SoakFigures {
    const { load } = this.s.opts;
    const pendingAtEnd = [...this.pending.values()].filter((p) => !p.registered).length;
    const findsTotal = this.sent;
    const total = findsTotal + this.viewsSent;
    const ok = this.findsOk + this.viewsOk;
    const errors = this.meter.errorCount;
    const mix = this.s.opts.faultMix;
    return {
      load: describeLoad(load),
      durationMs: load.durationMs,
      wallMs: this.now() - this.startMs,
      sent: { finds: this.sent, views: this.viewsSent },
      refusedByBound: this.refused,
      maxInFlight: this.maxSeen,
      scheduleLagMaxMs: Math.max(0, Math.round(this.lagMaxMs)),
      users: this.pool.map((u) => u.id),
      stages: this.meter.figures(),
      availability: { ok, total, share: total ? ok / total : 0, target: AVAILABILITY_TARGET, finds: { ok: this.findsOk, total: findsTotal }, views: { ok: this.viewsOk, total: this.viewsSent }, findAckMs: this.s.budgets.findAckMs, viewMs: this.s.budgets.viewResponseMs },
      slowViews: { count: this.slowViews, thresholdMs: this.s.budgets.viewResponseMs, examples: this.slowExamples },
      errors: { total: errors, rate: total ? errors / total : 0, byKind: { ...this.meter.errorsByKind } },
      registrations: { expected: this.registrationsSeen + this.registrationsMissing + pendingAtEnd, seen: this.registrationsSeen, missing: this.registrationsMissing, pendingAtEnd },
      ...(mix?.shares.length ? { faultMix: { asked: mix.asked, armed: Object.fromEntries([...(this.faultMix?.armed ?? new Map())].map(([k, v]) => [String(k), v])) } } : {}),
      timeline: this.meter.timeline,
    };
  }
}

function viewError(v: ViewOutcome, timeout: boolean, timeoutMs: number): string {
  if (timeout) return `view not answered within ${timeoutMs} ms`;
  if (v.errors.length) return `view failed: ${v.errors[0].replace(/[0-9a-f-]{36}/g, '…')}`;
  if (v.signatureError) return 'view data token does not verify';
  if (v.first && v.first.status !== 401 && !v.second) return `view first leg answered ${v.first.status}`;
  if (v.rptResponse && v.rptResponse.status !== 200) return `RPT exchange answered ${v.rptResponse.status}`;
  return `view answered ${v.final?.status ?? 'nothing'}`;
}
