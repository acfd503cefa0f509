// The soak's measurements: one HDR histogram per stage for the whole soak (microsecond resolution,
// three significant digits, up to an hour), and a short series of intervals for the charts and the
// live line. HDR histograms keep every percentile honest at a fixed memory cost, however long the soak.
import * as hdr from 'hdr-histogram-js';
import { STAGES, type StageFigures, type StageName, type TimelinePoint } from '../scenarios/soak-figures.js';

type Histogram = ReturnType<typeof hdr.build>;

const newHistogram = (): Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 'packed' });
const us = (ms: number) => Math.max(1, Math.round(ms * 1000));
const ms = (us: number) => Number((us / 1000).toFixed(3));

/** The percentiles the chart plots: 0 … 99.99, closer together towards the tail. */
const CHART_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100];

/** At most this many intervals in a soak's series: a long soak gets longer intervals. */
const MAX_POINTS = 600;

class StageMeter {
  readonly histogram = newHistogram();
  count = 0;
  errors = 0;
  timeouts = 0;

  ok(latencyMs: number): void {
    this.count++;
    this.histogram.recordValue(us(latencyMs));
  }

  failed(timeout: boolean): void {
    this.count++;
    this.errors++;
    if (timeout) this.timeouts++;
  }

  figures(): StageFigures {
    const h = this.histogram;
    // A percentile is its bucket's highest equivalent value: never above the exact maximum.
    const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
    const n = h.totalCount;
    return {
      count: this.count,
      ok: n,
      errors: this.errors,
      timeouts: this.timeouts,
      p50: n ? at(50) : 0,
      p90: n ? at(90) : 0,
      p99: n ? at(99) : 0,
      p999: n ? at(99.9) : 0,
      max: n ? ms(h.maxValue) : 0,
      mean: n ? ms(h.mean) : 0,
      percentiles: n ? CHART_PERCENTILES.map((p) => ({ percentile: p, ms: at(p) })) : [],
      ...(n ? { histogram: hdr.encodeIntoCompressedBase64(h) } : {}),
    };
  }
}

/** One stage's figures from those of several soaks: their histograms added, their counts summed. */
export function mergeStage(parts: StageFigures[]): StageFigures {
  const m = new StageMeter();
  for (const p of parts) {
    m.count += p.count;
    m.errors += p.errors;
    m.timeouts += p.timeouts;
    if (p.histogram) m.histogram.add(hdr.decodeFromCompressedBase64(p.histogram, 'packed'));
  }
  return m.figures();
}

export class SoakMeter {
  private readonly stages = new Map<StageName, StageMeter>(STAGES.map((s) => [s, new StageMeter()]));
  readonly timeline: TimelinePoint[] = [];
  readonly intervalMs: number;
  private current: { atMs: number; sent: number; answered: number; errors: number; ack: Histogram; view: Histogram };
  private readonly allAck = newHistogram();
  errorsByKind: Record<string, number> = {};

  constructor(durationMs: number) {
    this.intervalMs = Math.max(1000, Math.ceil(durationMs / MAX_POINTS / 1000) * 1000);
    this.current = { atMs: 0, sent: 0, answered: 0, errors: 0, ack: newHistogram(), view: newHistogram() };
  }

  stage(name: StageName): StageMeter {
    return this.stages.get(name)!;
  }

  /** Move the series on to the interval holding `elapsedMs` (closing the ones before it). */
  tick(elapsedMs: number): void {
    while (elapsedMs >= this.current.atMs + this.intervalMs) {
      const c = this.current;
      this.timeline.push({
        atMs: c.atMs,
        intervalMs: this.intervalMs,
        sent: c.sent,
        answered: c.answered,
        errors: c.errors,
        ...(c.ack.totalCount ? { findAckP99: ms(c.ack.getValueAtPercentile(99)) } : {}),
        ...(c.view.totalCount ? { viewP99: ms(c.view.getValueAtPercentile(99)) } : {}),
      });
      c.ack.reset();
      c.view.reset();
      this.current = { ...c, atMs: c.atMs + this.intervalMs, sent: 0, answered: 0, errors: 0 };
    }
  }

  findSent(): void {
    this.current.sent++;
  }

  findAcknowledged(latencyMs: number): void {
    this.stage('find-ack').ok(latencyMs);
    this.allAck.recordValue(us(latencyMs));
    this.current.ack.recordValue(us(latencyMs));
    this.current.answered++;
  }

  viewDone(latencyMs: number): void {
    this.stage('view').ok(latencyMs);
    this.current.view.recordValue(us(latencyMs));
  }

  error(kind: string, answered = false): void {
    this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
    this.current.errors++;
    if (answered) this.current.answered++;
  }

  get errorCount(): number {
    return Object.values(this.errorsByKind).reduce((a, b) => a + b, 0);
  }

  /** The find acknowledgement's p99 so far, for the live line. */
  findAckP99(): number | undefined {
    return this.allAck.totalCount ? ms(this.allAck.getValueAtPercentile(99)) : undefined;
  }

  figures(): Record<StageName, StageFigures> {
    return Object.fromEntries(STAGES.map((s) => [s, this.stage(s).figures()])) as Record<StageName, StageFigures>;
  }
}
