// Several soaks as one (`cda-sim soak --merge a/results.json b/results.json`): for more load than one
// machine drives, run one soak per CI runner and add their figures up. Each stage's HDR histograms
// are added, so every percentile is the merged traffic's own; counts, errors, availability and slow
// views are summed; the series are laid over each other by time since each soak began (the rates
// summed, each interval's p99 the highest of the runs').
import fs from 'node:fs';
import { CliError, EXIT } from '../core/exit-codes.js';
import { STAGES, type SoakFigures, type StageFigures, type StageName, type TimelinePoint } from '../scenarios/soak-figures.js';
import type { RunResults } from '../scenarios/run-results.js';
import { mergeStage } from './meter.js';

export interface SoakPart {
  file: string;
  results: RunResults & { soak: SoakFigures };
}

/** Read each soak's results.json; one that is not a soak's, or holds no histograms, is a usage error naming it. */
export function readSoakParts(files: string[]): SoakPart[] {
  if (files.length < 2) throw new CliError(`--merge: give the results.json of two soaks or more, not ${files.length}`, EXIT.usage);
  return files.map((file) => {
    let results: RunResults;
    try {
      results = JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;
    } catch (err) {
      throw new CliError(`--merge: ${file} cannot be read as a run's results.json: ${(err as Error).message}`, EXIT.usage);
    }
    if (!results?.soak) throw new CliError(`--merge: ${file} is not a soak's results (it has no "soak" figures)`, EXIT.usage);
    if (!STAGES.every((s) => results.soak!.stages[s].ok === 0 || results.soak!.stages[s].histogram)) throw new CliError(`--merge: ${file} keeps no histograms (written by an older cda-sim): its percentiles cannot be merged`, EXIT.usage);
    return { file, results: results as SoakPart['results'] };
  });
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function mergeTimeline(parts: SoakFigures[]): TimelinePoint[] {
  const byStart = new Map<number, TimelinePoint>();
  for (const p of parts.flatMap((f) => f.timeline)) {
    const at = byStart.get(p.atMs);
    if (!at) {
      byStart.set(p.atMs, { ...p });
      continue;
    }
    at.sent += p.sent;
    at.answered += p.answered;
    at.errors += p.errors;
    const max = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
    at.findAckP99 = max(at.findAckP99, p.findAckP99);
    at.viewP99 = max(at.viewP99, p.viewP99);
  }
  return [...byStart.values()].sort((a, b) => a.atMs - b.atMs);
}

function addCounts(maps: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, n] of Object.entries(m)) out[k] = (out[k] ?? 0) + n;
  return out;
}

export function mergeFigures(parts: SoakFigures[], runIds: string[]): SoakFigures {
  const a = parts.map((p) => p.availability);
  const ok = sum(a.map((x) => x.ok));
  const total = sum(a.map((x) => x.total));
  const finds = sum(parts.map((p) => p.sent.finds));
  const views = sum(parts.map((p) => p.sent.views));
  const errors = sum(parts.map((p) => p.errors.total));
  const mixes = parts.filter((p) => p.faultMix);
  return {
    load: `${parts.length} soaks at once: ${parts.map((p) => p.load).join(' + ')}`,
    durationMs: Math.max(...parts.map((p) => p.durationMs)),
    wallMs: Math.max(...parts.map((p) => p.wallMs)),
    sent: { finds, views },
    refusedByBound: sum(parts.map((p) => p.refusedByBound)),
    maxInFlight: sum(parts.map((p) => p.maxInFlight)),
    scheduleLagMaxMs: Math.max(...parts.map((p) => p.scheduleLagMaxMs)),
    users: [...new Set(parts.flatMap((p) => p.users))],
    stages: Object.fromEntries(STAGES.map((s) => [s, mergeStage(parts.map((p) => p.stages[s]))])) as Record<StageName, StageFigures>,
    availability: { ok, total, share: total ? ok / total : 0, target: a[0].target, finds: { ok: sum(a.map((x) => x.finds.ok)), total: sum(a.map((x) => x.finds.total)) }, views: { ok: sum(a.map((x) => x.views.ok)), total: sum(a.map((x) => x.views.total)) }, findAckMs: a[0].findAckMs, viewMs: a[0].viewMs },
    slowViews: { count: sum(parts.map((p) => p.slowViews.count)), thresholdMs: parts[0].slowViews.thresholdMs, examples: parts.flatMap((p) => p.slowViews.examples).slice(0, 20) },
    errors: { total: errors, rate: finds + views ? errors / (finds + views) : 0, byKind: addCounts(parts.map((p) => p.errors.byKind)) },
    registrations: { expected: sum(parts.map((p) => p.registrations.expected)), seen: sum(parts.map((p) => p.registrations.seen)), missing: sum(parts.map((p) => p.registrations.missing)), pendingAtEnd: sum(parts.map((p) => p.registrations.pendingAtEnd)) },
    ...(mixes.length ? { faultMix: { asked: [...new Set(mixes.map((p) => p.faultMix!.asked))].join(' / '), armed: addCounts(mixes.map((p) => p.faultMix!.armed)) } } : {}),
    timeline: mergeTimeline(parts),
    mergedFrom: runIds,
  };
}
