// How long the reporting service takes to validate (and accept) the largest service-availability
// payload, through the real app over loopback HTTP. The spec's maximum (667 holdernames × 100
// periods) is far over the 1 MiB body limit, so that one is refused with 413 before parsing; the
// figures are for the largest payload the service accepts: as many periods as fit in 1 MiB.
// Run alone: node dist/bench/reporting-validation.js   (target: ≤ 50 ms per payload)
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../simulator/core/clock.js';
import { Journal } from '../simulator/store/journal.js';
import { createReportingApp } from '../simulator/reporting/reporting-app.js';
import { validateSubmission } from '../simulator/reporting/rules.js';
import { SubmissionStore } from '../simulator/reporting/submissions.js';

const MIB = 1_048_576;
const guid = (i: number) => `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
const period = (i: number) => ({
  start_date_ts: `2026-05-01T${String(i % 24).padStart(2, '0')}:00:00.000Z`,
  end_date_ts: `2026-05-01T${String(i % 24).padStart(2, '0')}:30:00.000Z`,
  unavail_scheduled: i % 2 === 0,
  unavail_reason: 'planned maintenance window',
});

/** A find payload of `holdernames` maps × `perHoldername` periods, plus `extra` periods in one more map. */
function findPayload(holdernames: number, perHoldername: number, extra = 0): string {
  const items = Array.from({ length: holdernames }, (_, h) => ({ [guid(h)]: Array.from({ length: perHoldername }, (_, i) => period(i)) }));
  if (extra > 0) items.push({ [guid(holdernames)]: Array.from({ length: extra }, (_, i) => period(i)) });
  return JSON.stringify({
    record_id: randomUUID(),
    submission_status: 'on time',
    reporting_period_start: '2026-05-01T00:00:00.000Z',
    submission_id: null,
    submission_reason: 'initial submission',
    items,
  });
}

/** The largest payload under the limit: full maps of 100 periods, then a partial one. */
function largestAccepted(): string {
  let full = 0;
  while (full < 667 && Buffer.byteLength(findPayload(full + 1, 100)) <= MIB) full++;
  let extra = 0;
  if (full < 667) while (extra < 99 && Buffer.byteLength(findPayload(full, 100, extra + 1)) <= MIB) extra++;
  return findPayload(full, 100, extra);
}

function post(port: number, agent: http.Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/service-availability/find', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'X-Request-ID': randomUUID(), 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface ReportingValidationFigures {
  bytes: number;
  msPerPayload: number;
  p99Ms: number;
  runs: number;
  /** The spec's maximum (667 holdernames × 100 periods, ~10 MiB, over the 1 MiB limit): the rules module on the parsed object, mean ms. */
  specMaximumRulesMs: number;
  specMaximumBytes: number;
}

export async function measureReportingValidation(opts: { runs?: number; log?: (line: string) => void } = {}): Promise<ReportingValidationFigures> {
  const runs = opts.runs ?? 100;
  const log = opts.log ?? (() => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-reporting-'));
  const journal = new Journal(dir, () => systemClock.now());
  const submissions = SubmissionStore.open(dir);
  const app = await createReportingApp({ clock: systemClock, journal, submissions });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const spec = findPayload(667, 100);
    const specBytes = Buffer.byteLength(spec);
    const refused = await post(port, agent, spec).catch((e: Error) => `connection closed (${e.message})`);
    log(`spec maximum (667 holdernames × 100 periods): ${specBytes.toLocaleString('en-GB')} bytes, ${(specBytes / MIB).toFixed(1)} MiB → ${refused} (over the 1 MiB limit)`);

    // The HTTP API refuses that payload on size alone, so time what validation would cost on it directly.
    const specObject = JSON.parse(spec);
    validateSubmission('service-availability/find', specObject);
    const r0 = performance.now();
    const specRuns = 10;
    for (let i = 0; i < specRuns; i++) {
      const v = validateSubmission('service-availability/find', specObject);
      if (v.length) throw new Error(`the spec maximum payload broke rules: ${v[0].code}`);
    }
    const specMaximumRulesMs = Number(((performance.now() - r0) / specRuns).toFixed(2));
    log(`spec maximum, rules module on the parsed object: ${specMaximumRulesMs} ms per payload`);

    const body = largestAccepted();
    const bytes = Buffer.byteLength(body);
    const parsed = JSON.parse(body) as { items: Record<string, unknown[]>[] };
    const periods = parsed.items.reduce((n, m) => n + Object.values(m)[0].length, 0);
    log(`largest accepted: ${bytes.toLocaleString('en-GB')} bytes, ${parsed.items.length} holdernames, ${periods.toLocaleString('en-GB')} periods`);
    const t0 = performance.now();
    const rules = validateSubmission('service-availability/find', parsed);
    log(`rules module alone (first, cold call): ${(performance.now() - t0).toFixed(1)} ms (${rules.length} violations)`);

    for (let i = 0; i < 5; i++) {
      const status = await post(port, agent, body);
      if (status !== 202) throw new Error(`the largest accepted payload got ${status}, not 202`);
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const status = await post(port, agent, body);
      times.push(performance.now() - start);
      if (status !== 202) throw new Error(`run ${i}: ${status}, not 202`);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const p99 = times[Math.min(times.length - 1, Math.ceil(times.length * 0.99) - 1)];
    return { bytes, msPerPayload: Number(mean.toFixed(2)), p99Ms: Number(p99.toFixed(2)), runs, specMaximumRulesMs, specMaximumBytes: specBytes };
  } finally {
    agent.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    submissions.close();
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await measureReportingValidation({ log: (l) => console.log(l) });
  console.log(`per payload (POST → 202, validated, journalled and stored): mean ${figures.msPerPayload} ms, p99 ${figures.p99Ms} ms over ${figures.runs} runs (target ≤ 50 ms)`);
  console.log(JSON.stringify(figures));
}
