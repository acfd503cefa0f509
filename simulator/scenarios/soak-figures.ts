// What a soak measured (the results model's `soak`), as results.json keeps it (`soak`) and the HTML and PDF reports draw it.
// Latencies are in milliseconds, shares 0–1.

/** The stages timed, in the order a find and its views go through them. */
export const STAGES = ['find-ack', 'find-registration', 'view-challenge', 'view-rpt', 'view-data', 'view', 'ca-calls'] as const;
export type StageName = (typeof STAGES)[number];

export const STAGE_LABELS: Record<StageName, string> = {
  'find-ack': 'find acknowledgement (202)',
  'find-registration': 'find → registration at the C&A',
  'view-challenge': 'view, first leg (401 challenge)',
  'view-rpt': 'view, RPT from the C&A',
  'view-data': 'view, second leg (view data)',
  view: 'whole view dance',
  'ca-calls': "the provider's calls to the C&A",
};

export interface StageFigures {
  /** Timed exchanges (answered or not). */
  count: number;
  /** Answered as due (the latencies are of these). */
  ok: number;
  errors: number;
  timeouts: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** For the percentile chart: the latency at each percentile. */
  percentiles: { percentile: number; ms: number }[];
  /** The whole HDR histogram (µs), compressed and base64-encoded, so soaks run apart can be merged. */
  histogram?: string;
}

export interface TimelinePoint {
  /** Start of the interval, ms since the soak began. */
  atMs: number;
  intervalMs: number;
  /** Finds sent and answered (any answer) in the interval. */
  sent: number;
  answered: number;
  errors: number;
  findAckP99?: number;
  viewP99?: number;
}

export interface SoakFigures {
  /** The load asked for, in words (`20/s for 10m`). */
  load: string;
  durationMs: number;
  /** From the first find to the last answer awaited. */
  wallMs: number;
  sent: { finds: number; views: number };
  /** Finds and views the in-flight bound refused (counted as errors and as unavailable). */
  refusedByBound: number;
  maxInFlight: number;
  /** The largest delay between when a find was due and when it was sent (the driver's own lag). */
  scheduleLagMaxMs: number;
  users: string[];
  stages: Record<StageName, StageFigures>;
  availability: { ok: number; total: number; share: number; target: number; finds: { ok: number; total: number }; views: { ok: number; total: number }; findAckMs: number; viewMs: number };
  slowViews: { count: number; thresholdMs: number; examples: { assetGuid: string; ms: number; requestId?: string }[] };
  errors: { total: number; rate: number; byKind: Record<string, number> };
  registrations: { expected: number; seen: number; missing: number; pendingAtEnd: number };
  faultMix?: { asked: string; armed: Record<string, number> };
  timeline: TimelinePoint[];
  /** A merge of several soaks (`cda-sim soak --merge`): the runs it adds up. */
  mergedFrom?: string[];
}
