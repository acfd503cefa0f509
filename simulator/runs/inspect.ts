// `cda-sim inspect`: a bundle read as text on any machine: what ran, in what order, which exchanges
// each test case caused, and every failure with its rule, reference and reasons.
import type { JournalEntry } from '../store/journal.js';
import type { TestCaseResult } from '../scenarios/types.js';
import { decisionOf, exchangeLabel, sameExchange } from '../scenarios/decision.js';
import { fmtMs } from '../reports/model.js';
import { outcomeLine, runNotes, runVerdict } from '../reports/results.js';
import type { Bundle } from './bundle.js';

const seconds = (ms: number) => `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(3)}s`;

/** Who called whom: inbound entries are calls to cda-sim's role; outbound ones, calls cda-sim's role made. */
export function exchangeLine(e: JournalEntry, t0: number): string {
  const who = e.direction === 'in' ? `→ ${e.role}` : `${e.role} →`;
  const status = e.status ? String(e.status) : (e.error ?? 'no answer');
  return `${seconds(Date.parse(e.time) - t0).padStart(9)}  ${who.padEnd(13)} ${e.method.padEnd(6)} ${e.path.padEnd(34)} ${status.padEnd(4)} ${fmtMs(e.durationMs).padStart(7)} ms  ${e.requestId ?? ''}`.trimEnd();
}

/**
 * Journal entries by test case: an entry the drivers tagged goes to its test case; any other (the
 * provider's calls to the C&A) to the test case running at the time.
 */
export function entriesByTestCase(testCases: TestCaseResult[], journal: JournalEntry[]): { byCase: Map<string, JournalEntry[]>; unplaced: JournalEntry[] } {
  const byCase = new Map<string, JournalEntry[]>(testCases.map((t) => [t.id, []]));
  const unplaced: JournalEntry[] = [];
  // Start time order: the journal's own order is the order exchanges finished.
  for (const e of [...journal].sort((a, b) => a.time.localeCompare(b.time) || a.seq - b.seq)) {
    const tagged = e.tags?.testCase;
    const at = Date.parse(e.time);
    const running = tagged && byCase.has(tagged) ? tagged : testCases.find((t) => at >= Date.parse(t.startedAt) && at <= Date.parse(t.startedAt) + t.durationMs)?.id;
    if (running) byCase.get(running)!.push(e);
    else unplaced.push(e);
  }
  return { byCase, unplaced };
}

export function renderInspection(b: Bundle): string {
  const r = b.results;
  const out: string[] = [];
  const t0 = Date.parse(r.run.startedAt);
  const failed = r.testCases.filter((t) => t.verdict === 'fail' || t.verdict === 'error');
  const s = r.summary;
  const verdict = runVerdict(r.run, r.testCases);
  const cfg = b.config;
  const v = b.versions;
  out.push(`run ${r.run.id}  (bundle made ${b.manifest.createdAt} by ${b.manifest.createdBy})`);
  out.push(`  provider:  ${r.run.provider}${cfg?.referenceProvider ? ` (the built-in reference provider${cfg.referenceFaults?.length ? `, deliberate faults: ${cfg.referenceFaults.join(', ')}` : ''})` : ''}`);
  if (cfg) out.push(`  find URL:  ${cfg.provider.findUrl}\n  view URL:  ${cfg.provider.viewUrl}`);
  out.push(`  cda-sim:   ${r.run.cdaSimVersion}, profile ${r.run.profile}${v ? `, Node.js ${v.node} on ${v.platform}` : ''}; config digest ${r.run.configDigest}`);
  out.push(`  ran:       ${r.run.startedAt} to ${r.run.finishedAt} (${((Date.parse(r.run.finishedAt) - t0) / 1000).toFixed(1)} s)`);
  out.push(`  scenarios: ${r.run.scenarios.join(', ')}`);
  out.push(`  verdict:   ${verdict}: ${outcomeLine(s)}`);
  for (const note of runNotes(r.run)) out.push(`             ${note}`);
  if (b.manifest.missing.length) out.push(`  missing:   ${b.manifest.missing.join(', ')} (not kept by the cda-sim that made the run)`);

  const { byCase, unplaced } = entriesByTestCase(r.testCases, b.journal);
  out.push('', `timeline (${b.journal.length} exchange(s); times from the start of the run)`);
  let phase = '';
  for (const t of r.testCases) {
    if (t.phase !== phase) {
      phase = t.phase;
      out.push(`  ${phase}`);
    }
    out.push(`${seconds(Date.parse(t.startedAt) - t0).padStart(11)}  ${t.id}  ${t.verdict.toUpperCase().padEnd(5)} ${t.title}`);
    for (const e of byCase.get(t.id) ?? []) out.push(`    ${exchangeLine(e, t0)}`);
  }
  if (unplaced.length) {
    out.push('  outside any test case');
    for (const e of unplaced) out.push(`    ${exchangeLine(e, t0)}`);
  }

  out.push('', failed.length ? `failures (${failed.length})` : 'failures: none');
  for (const t of failed) {
    const d = decisionOf(t);
    out.push(`  ${t.id}  ${t.verdict.toUpperCase()}  ${t.title}`);
    out.push(`    decided:   ${d.reason}`);
    if (d.exchange) out.push(`    exchange:  ${exchangeLabel(d.exchange)} (${d.exchange.time})`);
    out.push(`    rule:      ${t.rule}`);
    out.push(`    reference: ${t.reference}`);
    for (const reason of t.reasons) out.push(`    - ${reason}`);
    for (const e of t.exchanges) {
      const broke = d.exchange && sameExchange(e, d.exchange) ? '  ◀ broke the rule' : '';
      out.push(`      cites ${e.direction === 'in' ? `→ ${e.role}` : `${e.role} →`} ${e.method} ${e.path} ${e.status} (${e.requestId ?? 'no X-Request-ID'}, ${e.time})${broke}`);
    }
  }
  return out.join('\n');
}
