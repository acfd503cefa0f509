// Replay: how a bundle's run, played again against a provider (rehearsal/replay.ts plays it),
// compares with the recording.
//
// A replay re-runs the recorded scenario files with the recorded test users, test data pack and
// rehearsal options (driver faults, compatibility mode), so cda-sim sends the provider the same
// finds and views as the recording (same users, find data, variants, assets, in the same order),
// each token signed afresh so it is valid now. Because it is a run, every exchange is judged again
// by the same checks: the replay reports, per test id, whether the verdict matches the recording (a
// recorded failure is reproduced, or not), and, per provider call, where the response differs from
// the recorded one (status, body shape, token header, challenge). The replay is kept as a run of
// its own in the state directory.
import fs from 'node:fs';
import path from 'node:path';
import type { Verdict } from '../scenarios/types.js';
import type { JournalEntry } from '../store/journal.js';
import type { RunResults } from '../scenarios/run-results.js';
import { isProviderCall } from '../reports/model.js';
import { parseUmaChallenge } from '../dashboard/dashboard-driver.js';
import { CliError, EXIT } from '../core/exit-codes.js';
import { readRunJournal, RUN_FILES, writeFileAtomic, type RecordedConfig } from './run-record.js';
import { redactValue } from './redact.js';
import { nameProblem, printable } from './names.js';
import type { Bundle } from './bundle.js';

/** In a replay's run folder: the comparison with the recording (the ReplayReport without the results). */
export const REPLAY_FILE = 'replay.json';

export interface VerdictComparison {
  id: string;
  title: string;
  recorded?: Verdict;
  replayed?: Verdict;
  same: boolean;
  /** The replay's reasons, when it did not pass (what the checks found this time). */
  reasons: string[];
}

export interface ExchangeComparison {
  testCase: string;
  /** 1-based position among the test case's calls to the provider. */
  index: number;
  /** What was called, relative to the provider's find and view URLs: "find", "view <asset>?scope=owner". */
  call: string;
  recordedStatus?: number;
  replayedStatus?: number;
  differences: string[];
}

export interface ReplayReport {
  recordedRunId: string;
  replayRunId: string;
  replayRunDir: string;
  provider: string;
  /** The spec profiles (labels) the recording and the replay were judged under. */
  recordedProfile: string;
  replayProfile: string;
  /** Provider calls the replay made (finds and views). */
  resent: number;
  verdicts: VerdictComparison[];
  /** Test cases the replay played that the recording did not (reporting it never had, cases it left not run): not compared. */
  notCompared: string[];
  exchanges: ExchangeComparison[];
  differs: boolean;
  /** The replay stopped after Stage 1 (your own provider, no command to apply the update file). */
  pausedAfterStage1: boolean;
  results: RunResults;
}

/** Describe a value's shape as paths and types; a JWS string shows its header's alg and its claims' shape. */
export function shapeOf(value: unknown, at = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    out.set(at, value.length ? 'array' : 'empty array');
    for (const v of value) shapeOf(v, `${at}[]`, out);
  } else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    out.set(at, keys.length ? 'object' : 'empty object');
    for (const k of keys) shapeOf((value as Record<string, unknown>)[k], at ? `${at}.${k}` : k, out);
  } else if (typeof value === 'string' && /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(value)) {
    const [h, p] = value.split('.');
    const decode = (s: string) => {
      try {
        return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    out.set(at, 'JWS');
    out.set(`${at}#header.alg`, JSON.stringify(decode(h)?.alg ?? null));
    shapeOf(decode(p) ?? null, `${at}#claims`, out);
  } else {
    out.set(at, value === null ? 'null' : typeof value);
  }
  return out;
}

/** Is `p` inside `q` (a member, an element or a token part of it)? */
const inside = (p: string, q: string) => p.length > q.length && p.startsWith(q) && (q === '' || '.#['.includes(p[q.length]));

/** Where two shapes differ; a part that is gone or new is named once, not with every member under it. */
export function diffShapes(recorded: Map<string, string>, replayed: Map<string, string>, what: string, max = 8): string[] {
  const gone = [...recorded.keys()].filter((p) => !replayed.has(p));
  const added = [...replayed.keys()].filter((p) => !recorded.has(p));
  const top = (ps: string[]) => ps.filter((p) => !ps.some((q) => inside(p, q)));
  const changed = [...recorded.keys()].filter((p) => replayed.has(p) && replayed.get(p) !== recorded.get(p));
  const name = (p: string) => p || '(the whole body)';
  const out = [
    // A part whose type changed (say a JWS that became a plain string) is named once, not with every member under it.
    ...top(changed).map((p) => `${what} ${name(p)} was ${recorded.get(p)}, now ${replayed.get(p)}`),
    ...top(gone).filter((p) => !changed.some((q) => inside(p, q))).map((p) => `${what} ${name(p)} (${recorded.get(p)}) is gone`),
    ...top(added).filter((p) => !changed.some((q) => inside(p, q))).map((p) => `${what} ${name(p)} (${replayed.get(p)}) is new`),
  ];
  return out.length > max ? [...out.slice(0, max), `… and ${out.length - max} more difference(s) in the ${what}`] : out;
}

function callName(e: JournalEntry, cfg: RecordedConfig | undefined): string {
  const find = cfg?.provider.findUrl;
  const view = cfg?.provider.viewUrl?.replace(/\/$/, '');
  if (find && e.url === find) return 'find';
  if (view && e.url.startsWith(`${view}/`)) return `view ${e.url.slice(view.length + 1)}`;
  return `${e.method} ${e.path}`;
}

function findDataOf(e: JournalEntry): string | undefined {
  const token = (e.requestBody as { find_request_token?: unknown } | undefined)?.find_request_token;
  if (typeof token !== 'string') return undefined;
  try {
    return JSON.stringify((JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { find_data?: unknown }).find_data);
  } catch {
    return undefined;
  }
}

/** Compare one recorded provider call with its replayed counterpart. */
function compareCall(rec: JournalEntry | undefined, now: JournalEntry | undefined): string[] {
  if (!rec) return ['not in the recording: the replay made one call more here'];
  if (!now) return ['not made by the replay: the recording has one call more here'];
  const out: string[] = [];
  const variant = (e: JournalEntry) => e.tags?.variant ?? 'valid';
  if (variant(rec) !== variant(now)) out.push(`request variant was ${variant(rec)}, now ${variant(now)}`);
  const bearer = (e: JournalEntry) => (/^Bearer\s/i.test(e.requestHeaders?.authorization ?? '') ? 'with a bearer token' : 'without a token');
  if (bearer(rec) !== bearer(now)) out.push(`request was sent ${bearer(rec)}, now ${bearer(now)}`);
  if (findDataOf(rec) !== findDataOf(now)) out.push('request find_data differs from the recording');
  if (rec.status !== now.status) out.push(`status was ${rec.status || rec.error || 'no answer'}, now ${now.status || now.error || 'no answer'}`);
  const params = (e: JournalEntry) => {
    const c = parseUmaChallenge(e.responseHeaders?.['www-authenticate']);
    return c ? [c.umaScheme ? 'UMA' : '', c.realm !== undefined ? 'realm' : '', c.asUri !== undefined ? 'as_uri' : '', c.ticket !== undefined ? 'ticket' : ''].filter(Boolean).join(' ') : 'none';
  };
  if (params(rec) !== params(now)) out.push(`WWW-Authenticate challenge was [${params(rec)}], now [${params(now)}]`);
  out.push(...diffShapes(shapeOf(rec.responseBody ?? null), shapeOf(now.responseBody ?? null), 'response body'));
  return out;
}

/** Provider calls (finds and views) by test case, in the order they were made. */
function providerCalls(journal: JournalEntry[]): Map<string, JournalEntry[]> {
  const out = new Map<string, JournalEntry[]>();
  for (const e of [...journal].sort((a, b) => a.seq - b.seq)) {
    // A soak's calls are judged by its figures and thresholds, not call by call: the open model sends them in no fixed order.
    if (!isProviderCall(e) || e.tags?.soak !== undefined) continue;
    const tc = e.tags?.testCase ?? '(no test case)';
    out.set(tc, [...(out.get(tc) ?? []), redactValue(e) as JournalEntry]);
  }
  return out;
}

/** A bundle whose run can be replayed: it has its scenario files, each id fit to name a file. */
export function assertReplayable(bundle: Bundle): void {
  if (!bundle.scenarios.length) throw new CliError(`${bundle.file} has no scenario files (scenarios/*.json), so its run cannot be replayed; \`cda-sim inspect\` still shows it`, EXIT.usage);
  // Each scenario id names a file (in the replay's inputs and its run folder): refused before anything is written.
  for (const s of bundle.scenarios) {
    const why = nameProblem(s?.id);
    if (why) throw new CliError(`${bundle.file}: the scenario id "${printable(String(s?.id))}" ${why}`, EXIT.usage);
  }
}

/**
 * Per test id, the recorded and replayed verdicts. Only what the recording played is compared: a
 * case it never had (reporting it did not play, a phase it was not asked for) or left not run says
 * nothing about whether the provider changed.
 */
function compareVerdicts(recorded: RunResults, replayed: RunResults): { verdicts: VerdictComparison[]; notCompared: string[] } {
  const compared = new Set(recorded.testCases.filter((t) => t.verdict !== 'not-run').map((t) => t.id));
  const notCompared = [...new Set(replayed.testCases.map((t) => t.id))].filter((id) => !compared.has(id));
  const verdicts = [...compared].map((id): VerdictComparison => {
    const rec = recorded.testCases.find((t) => t.id === id);
    const now = replayed.testCases.find((t) => t.id === id);
    return { id, title: (rec ?? now)!.title, recorded: rec?.verdict, replayed: now?.verdict, same: rec?.verdict === now?.verdict, reasons: now && now.verdict !== 'pass' ? now.reasons : [] };
  });
  return { verdicts, notCompared };
}

/** Each test case's provider calls, the recording's and the replay's side by side in the order they were made. */
function compareExchanges(recCalls: Map<string, JournalEntry[]>, nowCalls: Map<string, JournalEntry[]>, notCompared: string[], configs: { recorded?: RecordedConfig; replayed: RecordedConfig }): ExchangeComparison[] {
  const exchanges: ExchangeComparison[] = [];
  for (const tc of [...new Set([...recCalls.keys(), ...nowCalls.keys()])].filter((id) => !notCompared.includes(id))) {
    const a = recCalls.get(tc) ?? [];
    const b = nowCalls.get(tc) ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const differences = compareCall(a[i], b[i]);
      const any = a[i] ?? b[i];
      exchanges.push({ testCase: tc, index: i + 1, call: callName(any, a[i] ? configs.recorded : configs.replayed), recordedStatus: a[i]?.status, replayedStatus: b[i]?.status, differences });
    }
  }
  return exchanges;
}

/**
 * Compare a replay, kept as a run in `dir`, with the bundle's recording, and keep the comparison
 * beside the replay run's reports (what it was a replay of, and how it compared).
 */
export function compareWithRecording(bundle: Bundle, replayed: RunResults, dir: string, pausedAfterStage1: boolean): ReplayReport {
  const recorded = bundle.results;
  const replayConfig = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.config), 'utf8')) as RecordedConfig;
  const { verdicts, notCompared } = compareVerdicts(recorded, replayed);
  const nowCalls = providerCalls(readRunJournal(dir));
  const exchanges = compareExchanges(providerCalls(bundle.journal), nowCalls, notCompared, { recorded: bundle.config, replayed: replayConfig });
  const report: ReplayReport = {
    recordedRunId: recorded.run.id,
    replayRunId: replayed.run.id,
    replayRunDir: dir,
    provider: replayed.run.provider,
    recordedProfile: recorded.run.profile,
    replayProfile: replayed.run.profile,
    resent: [...nowCalls.values()].reduce((n, l) => n + l.length, 0),
    verdicts,
    notCompared,
    exchanges,
    differs: verdicts.some((v) => !v.same) || exchanges.some((e) => e.differences.length > 0),
    pausedAfterStage1,
    results: replayed,
  };
  const { results: _omitted, ...comparison } = report;
  writeFileAtomic(path.join(dir, REPLAY_FILE), JSON.stringify(comparison, null, 2));
  return report;
}

export function renderReplay(r: ReplayReport): string {
  const out: string[] = [];
  const V = (v?: Verdict) => (v ? v.toUpperCase() : '-').padEnd(7);
  out.push(`replay of run ${r.recordedRunId} against ${r.provider}: kept as run ${r.replayRunId}`);
  out.push(r.recordedProfile === r.replayProfile ? `spec profile: ${r.replayProfile}, as recorded` : `spec profile: recorded under ${r.recordedProfile || 'an unrecorded profile'}; replayed under ${r.replayProfile} (verdicts may differ for that reason alone)`);
  out.push(`re-sent ${r.resent} call(s) to the provider (the recorded finds and views, every token signed afresh)`);
  out.push('', `test case  recorded replayed`);
  for (const v of r.verdicts) {
    out.push(`  ${v.id.padEnd(8)} ${V(v.recorded)}  ${V(v.replayed)}  ${v.same ? (v.recorded === 'pass' ? 'same' : 'same: reproduced') : 'DIFFERS'}`);
    if (v.replayed && v.replayed !== 'pass') for (const reason of v.reasons) out.push(`             - ${reason}`);
  }
  if (r.notCompared.length) out.push(`  not in the recording, so not compared: ${r.notCompared.length > 12 ? `${r.notCompared.slice(0, 12).join(', ')} and ${r.notCompared.length - 12} more` : r.notCompared.join(', ')}`);
  const differing = r.exchanges.filter((e) => e.differences.length);
  out.push('', differing.length ? `provider calls that differ from the recording (${differing.length} of ${r.exchanges.length})` : `provider calls: all ${r.exchanges.length} answered as recorded (status, body shape, token header, challenge)`);
  for (const e of differing) {
    out.push(`  ${e.testCase} #${e.index} ${e.call}`);
    for (const d of e.differences) out.push(`    - ${d}`);
  }
  if (r.pausedAfterStage1) out.push('', 'the replay stopped after Stage 1: give --apply-updates a command that applies the update file to your provider to replay Stage 2 too');
  const reproduced = r.verdicts.filter((v) => v.same && v.recorded && v.recorded !== 'pass').map((v) => v.id);
  const verdictDiffs = r.verdicts.filter((v) => !v.same).length;
  out.push(
    '',
    r.differs
      ? `DIFFERS from the recording: ${verdictDiffs} verdict(s), ${differing.length} provider call(s)`
      : `SAME as the recording${reproduced.length ? `; failing test id(s) reproduced: ${reproduced.join(', ')}` : ''}`,
  );
  return out.join('\n');
}
