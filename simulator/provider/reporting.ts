// Daily reporting (reporting API v2.1, reporting-api.md): the provider reports, per UTC day and per
// holdername GUID, what its view endpoint actually did. The values come from a ledger of served
// views, not from anything cda-sim told it (reporting-api.md §11.1):
//   view request received                          → request-number   req_count += 1
//   view answered in more than 10 s                → response-time    one {req_date_ts, resp_date_ts}
//   2.004 / 2.005 / 2.006 flags, ERI/AP ANO/PPF/TRN → unavailable      the matching counters
//   DBC / DCC values that finished calculating     → calculations     (none: this provider never calculates)
//   find / view endpoint down                      → service-availability (none while it runs: a null submission)
import { randomUUID } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import { call } from '../http/client.js';
import type { RecordBook } from './records.js';
// The reporting API's vocabulary (endpoint paths, counter names), shared with cda-sim's reporting service.
import { UNAVAILABLE_COUNTERS, type ReportingEndpoint } from '../wire/reporting-api.js';
import type { ProviderStore } from './store.js';
import { COUNTING_QUEUE, Faults } from './faults.js';

export interface ServedView {
  holdernameGuid: string;
  assetGuid: string;
  /** ms since the epoch */
  receivedAt: number;
  answeredAt: number;
  status: number;
  /** Whether full (definite-match) view data was returned. */
  fullData: boolean;
  /** FAULT (for cda-sim's own tests): false when undercount-views-under-load lost it from req_count. */
  counted?: boolean;
}

/** The view endpoint's own record of what it served, kept for the daily reports. */
export class ServedViewLedger {
  readonly views: ServedView[] = [];
  /** FAULT (for cda-sim's own tests): undercount-views-under-load's counting queue, how full and when. */
  private queue = { depth: 0, atMs: 0 };

  constructor(
    private records: RecordBook,
    private store: ProviderStore,
    private now: () => number,
    private faults: Faults = new Faults(),
  ) {}

  /** Whether a view request is counted: always, but for the undercount-views-under-load defect's full queue. */
  private counts(at: number): boolean {
    if (!this.faults.has('undercount-views-under-load')) return true;
    const drained = (Math.max(0, at - this.queue.atMs) / 1000) * COUNTING_QUEUE.drainPerSecond;
    this.queue = { depth: Math.max(0, this.queue.depth - drained), atMs: at };
    if (this.queue.depth + 1 > COUNTING_QUEUE.burst) return false;
    this.queue.depth += 1;
    return true;
  }

  /** Express middleware in front of the view handler: notes each view once it is answered. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const receivedAt = this.now();
      const counted = this.counts(receivedAt);
      res.once('finish', () => {
        const assetGuid = String(req.params.assetGuid);
        const record = this.records.byAssetGuid(assetGuid);
        if (!record) return; // not one of our pensions: not a view of a holdername we report for
        this.views.push({
          holdernameGuid: record.holdernameGuid,
          assetGuid,
          receivedAt,
          answeredAt: this.now(),
          status: res.statusCode,
          fullData: res.statusCode === 200 && this.store.pei(assetGuid)?.matchStatus === 'match-yes',
          ...(counted ? {} : { counted: false }),
        });
      });
      next();
    };
  }
}

export interface DailyReport {
  endpoint: ReportingEndpoint;
  body: Record<string, unknown>;
}

const SLOW_MS = 10_000;
const dayStart = (day: string) => `${day}T00:00:00.000Z`;
const iso = (ms: number) => new Date(ms).toISOString();

/** Counters of the unavailable endpoint, from one definite-match arrangement (data items 2.004–2.006, 2.301, 2.401). */
function countFlags(arrangement: Record<string, unknown>, counts: Record<string, number>): void {
  if (arrangement.contactScheme === true) counts.contact_count++;
  if (arrangement.administrativeDetailsNotAvailable === true) counts.missingadmin_count++;
  if (arrangement.temporarySystemError === true) counts.temperror_count++;
  for (const ill of (arrangement.benefitIllustrations as Record<string, unknown>[] | undefined) ?? []) {
    for (const c of (ill.illustrationComponents as Record<string, unknown>[] | undefined) ?? []) {
      const reason = String(c.unavailableReason ?? '');
      const kind = c.illustrationType === 'ERI' ? 'eri' : c.illustrationType === 'AP' ? 'accrued' : undefined;
      if (kind && ['ANO', 'PPF', 'TRN'].includes(reason)) counts[`${kind}_unavail_${reason.toLowerCase()}_count`]++;
    }
  }
}

/** The six reports for one UTC day, from the ledger. */
export function buildDailyReports(day: string, holdernameGuids: string[], ledger: ServedViewLedger, records: RecordBook): DailyReport[] {
  const start = Date.parse(dayStart(day));
  const end = start + 86_400_000;
  const todays = ledger.views.filter((v) => v.receivedAt >= start && v.receivedAt < end);
  const common = (reason: string) => ({ record_id: randomUUID(), submission_status: 'on time', reporting_period_start: dayStart(day), submission_id: null, submission_reason: reason });
  const reports: DailyReport[] = [];
  // No downtime while this provider runs: a null submission naming every holdername.
  for (const endpoint of ['service-availability/find', 'service-availability/view'] as const) {
    reports.push({ endpoint, body: { ...common('null submission'), items: holdernameGuids } });
  }
  for (const holdernameGuid of holdernameGuids) {
    const mine = todays.filter((v) => v.holdernameGuid === holdernameGuid);
    reports.push({ endpoint: 'view-response/request-number', body: { ...common('initial submission'), holdernameGuid, req_count: mine.filter((v) => v.counted !== false).length } });
    const slow = mine.filter((v) => v.answeredAt - v.receivedAt > SLOW_MS);
    reports.push({
      endpoint: 'view-response/response-time',
      body: slow.length
        ? { ...common('initial submission'), holdernameGuid, items: slow.map((v) => ({ req_date_ts: iso(v.receivedAt), resp_date_ts: iso(v.answeredAt) })) }
        : { ...common('null submission'), holdernameGuid },
    });
    reports.push({ endpoint: 'view-response/calculations', body: { ...common('null submission'), holdernameGuid } });
    const counts: Record<string, number> = Object.fromEntries(Object.keys(UNAVAILABLE_COUNTERS).map((c) => [c, 0]));
    for (const v of mine.filter((x) => x.fullData)) {
      for (const a of records.byAssetGuid(v.assetGuid)?.viewData.arrangements ?? []) countFlags(a, counts);
    }
    reports.push({ endpoint: 'view-response/unavailable', body: { ...common('initial submission'), holdernameGuid, ...counts } });
  }
  return reports;
}

export interface SubmitOptions {
  baseUrl: string;
  tls?: { ca?: string; cert?: string; key?: string };
  /** Retries on 429 (honouring Retry-After) and 5xx, with exponential backoff (reporting API §2). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/** Submit reports, one POST each with its own X-Request-ID; returns what each finally got. */
export async function submitReports(reports: DailyReport[], opts: SubmitOptions): Promise<{ endpoint: string; status: number; attempts: number }[]> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const out: { endpoint: string; status: number; attempts: number }[] = [];
  for (const r of reports) {
    let status = 0;
    let attempts = 0;
    for (let delay = 500; attempts < (opts.maxAttempts ?? 5); delay *= 2) {
      attempts++;
      try {
        const res = await call({
          method: 'POST',
          url: `${opts.baseUrl.replace(/\/$/, '')}/${r.endpoint}`,
          headers: { 'X-Request-ID': randomUUID(), 'Content-Type': 'application/json' },
          body: JSON.stringify(r.body),
          tls: opts.tls,
          timeoutMs: 15000,
        });
        status = res.status;
        if (status === 429 || status >= 500) {
          const wait = Number(res.headers['retry-after']) * 1000 || delay;
          opts.log?.(`reporting ${r.endpoint}: ${status}, retrying in ${wait} ms`);
          await sleep(wait);
          continue;
        }
        if (status !== 202) opts.log?.(`reporting ${r.endpoint}: refused ${status} ${res.text}`);
        break;
      } catch (err) {
        opts.log?.(`reporting ${r.endpoint}: ${(err as Error).message}, retrying`);
        await sleep(delay);
      }
    }
    out.push({ endpoint: r.endpoint, status, attempts });
  }
  return out;
}
