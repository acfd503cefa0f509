// `npm run bench`: POST /rreguri throughput and p99 of the real cda-sim C&A (its own process, plain
// HTTP, 20 connections) next to a bare express app under the same load, empty and at 100,000 PeIs,
// and the restart time at that size; then capacity: this machine's RS256 signing limit, the soak
// driver's signed finds a second against a sink that costs nothing, and the soak's finds and view
// dances a second against the reference provider, each next to that limit; then the journal at
// 1,000,000 exchanges (`journal --limit 5` read time, bytes per exchange), and the command line's
// start-up (`--version`, `--help`), and the wall time of the default window and of the system test with
// and without its groups side by side. Prints a table and writes bench-results/latest.json.
//
//   node dist/bench/run.js [--duration 10] [--warmup 2] [--peis 100000] [--connections 20] [--journal-exchanges 1000000] [--profile]
//
// --profile runs cda-sim under `node --cpu-prof` and summarises where its CPU time goes (the
// profiler slows it down, so treat that run's figures as relative, not as the result).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { printSummary } from './cpuprofile.js';
import { findLines, measureFinds } from './finds.js';
import { measureSoak, soakLines } from './soak.js';
import { measureReportingValidation } from './reporting-validation.js';
import { measureJournal } from './journal.js';
import { cliStartupLines, measureCliStartup } from './cli-startup.js';
import { measureRehearsalTimes, rehearsalTimeLines } from './rehearsal-times.js';
import { firstAnswerMs, getPat, registrationLoad, ROOT, startBareExpress, startCdaSim, stopServer, type LoadFigures, type Server } from './lib.js';

// The ratio: at least a bare express app's throughput (POST /rreguri with validation, state and a durable acknowledgement).
const TARGET = { ratio: 1.0, p99Ms: 25, restartS: 3, driverRatio: 0.9 };

const { values: argv } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    peis: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '20' },
    'journal-exchanges': { type: 'string', default: '1000000' },
    profile: { type: 'boolean', default: false },
  },
});
const DURATION = Number(argv.duration);
const WARMUP = Number(argv.warmup);
/** Finds a second offered to the soak against the reference provider: more than it sustains on 2 cores. */
const SOAK_RATE = 150;
const PEIS = Number(argv.peis);
const CONNECTIONS = Number(argv.connections);

const log = (msg: string) => console.log(`[bench] ${msg}`);
// Other work on the machine skews every figure: record how busy it was when we began.
const loadBefore = os.loadavg()[0];

/** Warm up (JIT, connection pools), then the measured run. */
async function measure(label: string, server: Server, base: string, pat: string): Promise<LoadFigures> {
  log(`${label}: ${WARMUP} s warm-up, then ${DURATION} s measured, ${CONNECTIONS} connections`);
  await registrationLoad(base, pat, { connections: CONNECTIONS, duration: WARMUP });
  const f = await registrationLoad(base, pat, { connections: CONNECTIONS, duration: DURATION, server });
  log(`${label}: ${f.reqPerSec.toFixed(0)} req/s, p99 ${f.p99Ms} ms, non-2xx ${f.non2xx}, non-201 ${f.non201}, errors ${f.errors}`);
  return f;
}

async function liveRegistrations(admin: string): Promise<number> {
  const res = await fetch(`${admin}/admin/status`);
  const status = (await res.json()) as { counts: { registrations: number } };
  return status.counts.registrations;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-'));
const stateDir = path.join(tmp, 'state');
const certsDir = path.join(tmp, 'certs');
const resultsDir = path.join(ROOT, 'bench-results');
const profileDir = path.join(resultsDir, 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
const nodeArgs = argv.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
const running = new Set<Server>();
/** What each cda-sim process did, by pid: names its CPU profile (CPU.<date>.<time>.<pid>...). */
const roles = new Map<number, string>();

async function start(role: string): Promise<Server> {
  const s = await startCdaSim(stateDir, certsDir, nodeArgs);
  running.add(s);
  roles.set(s.child.pid!, role);
  return s;
}
async function stop(s: Server): Promise<number> {
  const ms = await stopServer(s);
  running.delete(s);
  return ms;
}

async function main() {
  // 1. The baseline: bare express under the same request pattern.
  const bareServer = await startBareExpress();
  running.add(bareServer);
  const bare = await measure('bare express', bareServer, bareServer.urls['bare express (HTTP)'], 'unused');
  await stop(bareServer);

  // 2. cda-sim from an empty state directory. The first start creates the crypto material, so
  // restart once to get the fixed start-up cost at zero PeIs (what the 100,000 figure adds to).
  const first = await start('first start: creates the crypto material');
  // Answering a request first also means its SIGTERM handler is in place (the ready lines are
  // printed a moment before it is: a SIGTERM right after them kills it without a graceful save).
  const firstStartMs = await firstAnswerMs(first, `${first.urls['C&A (HTTP)']}/jwk_uri`);
  await stop(first);
  let sim = await start('empty load + preload');
  const restartEmptyMs = await firstAnswerMs(sim, `${sim.urls['C&A (HTTP)']}/jwk_uri`);
  let pat = await getPat(sim.urls['admin API'], sim.urls['C&A (HTTP)']);
  const empty = await measure('cda-sim, empty', sim, sim.urls['C&A (HTTP)'], pat);

  // 3. Preload up to PEIS live registrations through the API itself (a realistic load too).
  const have = await liveRegistrations(sim.urls['admin API']);
  let preload: LoadFigures | null = null;
  if (have < PEIS) {
    // autocannon needs at least one request per connection.
    const amount = Math.max(PEIS - have, CONNECTIONS);
    log(`preloading ${amount} PeIs (${have} already registered by the runs above)`);
    preload = await registrationLoad(sim.urls['C&A (HTTP)'], pat, { connections: CONNECTIONS, amount, server: sim });
    log(`preload: ${preload.requests} in ${preload.seconds.toFixed(1)} s (${preload.reqPerSec.toFixed(0)} req/s), non-2xx ${preload.non2xx}`);
  }

  // 4. Restart at that size: graceful stop (writes the snapshot), then spawn → first answer.
  const stopMs = await stop(sim);
  const stateBytes = fs.readdirSync(stateDir).reduce((n, f) => n + fs.statSync(path.join(stateDir, f)).size, 0);
  sim = await start(`restart, then load at ${PEIS} PeIs`);
  const restartMs = await firstAnswerMs(sim, `${sim.urls['C&A (HTTP)']}/jwk_uri`);
  const peis = await liveRegistrations(sim.urls['admin API']);
  log(`stop ${stopMs.toFixed(0)} ms; restart ${restartMs.toFixed(0)} ms (ready line after ${sim.readyMs.toFixed(0)} ms) with ${peis} PeIs, state dir ${(stateBytes / 1e6).toFixed(0)} MB`);

  // 5. The same load at that size.
  pat = await getPat(sim.urls['admin API'], sim.urls['C&A (HTTP)']);
  const full = await measure(`cda-sim, ${peis} PeIs`, sim, sim.urls['C&A (HTTP)'], pat);
  await stop(sim);

  // 6. Capacity: the signing limit, then the soak driver against a sink that costs nothing (its own
  // capacity), then the soak against the reference provider in one process (finds and view dances).
  const finds = argv.profile ? undefined : await measureFinds({ durationS: Math.min(DURATION, 8), log });
  const soakCapacity = argv.profile ? undefined : await measureSoak({ durationS: Math.min(DURATION, 8), ratePerSec: SOAK_RATE, log });

  // 7. Reporting: validation time of the largest service-availability payload.
  const reporting = argv.profile ? undefined : await measureReportingValidation({ log });

  // 8. The journal at size: newest-first reads stay fast however much it holds.
  const journal = argv.profile ? undefined : await measureJournal({ exchanges: Number(argv['journal-exchanges']), log });

  // 9. The command line's own start-up: --version and --help load no command module.
  const cliStartup = argv.profile ? undefined : measureCliStartup();

  // 10. Rehearsals as a user runs them: the default window, and the system test with and without groups side by side.
  const rehearsals = argv.profile ? undefined : await measureRehearsalTimes({ log });

  // ---- report ----
  const runs = { bare, empty, full, ...(preload ? { preload } : {}) };
  // The sink's own count of acknowledged finds must be the soak's: otherwise a figure is not what it says.
  const findsInvalid = !!finds && (finds.sink.acknowledged !== finds.acknowledged || finds.sink.refused > 0);
  const invalid = Object.entries(runs).filter(([, f]) => f.non2xx > 0 || f.non201 > 0 || f.errors > 0).map(([k]) => k);
  const ratioEmpty = empty.reqPerSec / bare.reqPerSec;
  const ratioFull = full.reqPerSec / bare.reqPerSec;
  // The same ratio from server CPU per request: steadier when other work shares the machine.
  const cpuRatio = (f: LoadFigures) => (f.serverCpuUsPerReq && bare.serverCpuUsPerReq ? (bare.serverCpuUsPerReq / f.serverCpuUsPerReq).toFixed(2) : 'n/a');
  const ok = (b: boolean) => (b ? 'ok' : 'MISSED');
  const cpu = (f: LoadFigures) => `${String(f.serverCpuUsPerReq ?? 'n/a').padStart(9)} ${String(f.serverCpuPercent ?? 'n/a').padStart(6)}`;
  const row = (label: string, f: LoadFigures, target = '') =>
    `${label.padEnd(36)} ${f.reqPerSec.toFixed(0).padStart(8)} ${f.p99Ms.toFixed(1).padStart(8)} ${String(f.non2xx).padStart(8)} ${cpu(f)}   ${target}`;
  const n = peis.toLocaleString('en-GB');
  const lines = [
    '',
    `cda-sim bench: POST /rreguri over plain HTTP, ${CONNECTIONS} connections, ${DURATION} s measured after ${WARMUP} s warm-up${argv.profile ? ' (UNDER --cpu-prof: figures are slowed)' : ''}`,
    `machine: ${os.cpus().length} cores; 1-minute load average ${loadBefore.toFixed(2)} before the run, ${os.loadavg()[0].toFixed(2)} after (much above 1 means other work competed)`,
    `${'scenario'.padEnd(36)} ${'req/s'.padStart(8)} ${'p99 ms'.padStart(8)} ${'non-2xx'.padStart(8)} ${'cpu µs/req'.padStart(9)} ${'cpu %'.padStart(6)}`,
    row('bare express (json + fixed 201)', bare),
    row('cda-sim, empty state', empty, `p99 target <= ${TARGET.p99Ms} ms: ${ok(empty.p99Ms <= TARGET.p99Ms)}`),
    `${'ratio cda-sim / bare, empty'.padEnd(36)} ${ratioEmpty.toFixed(2).padStart(8)}   target >= ${TARGET.ratio}: ${ok(ratioEmpty >= TARGET.ratio)}   (by CPU/req: ${cpuRatio(empty)})`,
    row(`cda-sim, ${n} PeIs`, full, `p99 target <= ${TARGET.p99Ms} ms: ${ok(full.p99Ms <= TARGET.p99Ms)}`),
    `${`ratio cda-sim / bare, ${n} PeIs`.padEnd(36)} ${ratioFull.toFixed(2).padStart(8)}   target >= ${TARGET.ratio}: ${ok(ratioFull >= TARGET.ratio)}   (by CPU/req: ${cpuRatio(full)})`,
    ...(preload ? [row(`preload ${preload.requests.toLocaleString('en-GB')} PeIs (${preload.seconds.toFixed(1)} s)`, preload)] : []),
    `${'graceful stop (snapshot write)'.padEnd(36)} ${(stopMs / 1000).toFixed(2).padStart(8)} s`,
    `${'first start (makes crypto material)'.padEnd(36)} ${(firstStartMs / 1000).toFixed(2).padStart(8)} s`,
    `${'restart at 0 PeIs (fixed cost)'.padEnd(36)} ${(restartEmptyMs / 1000).toFixed(2).padStart(8)} s`,
    `${`restart at ${n} PeIs`.padEnd(36)} ${(restartMs / 1000).toFixed(2).padStart(8)} s   target <= ${TARGET.restartS} s: ${ok(restartMs / 1000 <= TARGET.restartS)}`,
    '(cpu µs/req and cpu %: the server process\'s own CPU per request and use of one core, from /proc)',
    invalid.length ? `INVALID: non-2xx, non-201 or connection errors in: ${invalid.join(', ')}` : 'valid: every request answered 201, no connection errors',
    ...(findsInvalid ? [`INVALID: the find sink acknowledged ${finds!.sink.acknowledged} finds and refused ${finds!.sink.refused}; the soak counted ${finds!.acknowledged} acknowledged`] : []),
    ...(finds ? ['', ...findLines(finds, TARGET.driverRatio)] : []),
    ...(finds && soakCapacity ? soakLines(soakCapacity, finds.limit) : []),
    ...(reporting
      ? [
          '',
          'reporting: service-availability/find, the largest payloads (target <= 50 ms per payload)',
          `${`spec maximum 667 × 100 (${(reporting.specMaximumBytes / 1048576).toFixed(1)} MiB), rules`.padEnd(44)} ${reporting.specMaximumRulesMs.toFixed(1).padStart(8)} ms   over the 1 MiB limit: the API answers 413 before parsing`,
          `${`largest accepted (${(reporting.bytes / 1048576).toFixed(2)} MiB), POST → 202`.padEnd(44)} ${reporting.msPerPayload.toFixed(1).padStart(8)} ms   p99 ${reporting.p99Ms} ms over ${reporting.runs} runs: ${ok(reporting.p99Ms <= 50)}`,
        ]
      : []),
    ...(journal
      ? [
          '',
          `journal: ${journal.exchanges.toLocaleString('en-GB')} exchanges recorded in ${journal.recordSeconds.toFixed(1)} s, kept within the ${journal.capBytes / 1048576} MiB cap`,
          `${'bytes on disk per exchange (a registration)'.padEnd(44)} ${String(journal.bytesPerExchange).padStart(8)}`,
          `${'journal --limit 5, at 1,000 exchanges'.padEnd(44)} ${journal.limit5MsSmall.toFixed(0).padStart(8)} ms`,
          `${`journal --limit 5, at ${journal.exchanges.toLocaleString('en-GB')}`.padEnd(44)} ${journal.limit5Ms.toFixed(0).padStart(8)} ms   (the command's whole run: Node.js start-up included)`,
        ]
      : []),
    ...(cliStartup ? ['', ...cliStartupLines(cliStartup)] : []),
    ...(rehearsals ? ['', ...rehearsalTimeLines(rehearsals)] : []),
  ];
  console.log(lines.join('\n'));

  const results = {
    when: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: { before: loadBefore, after: os.loadavg()[0] },
    profiled: argv.profile,
    settings: { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP, peis: PEIS },
    targets: TARGET,
    bare,
    empty: { ...empty, ratio: ratioEmpty },
    full: { ...full, peis, ratio: ratioFull },
    preload,
    stopMs,
    firstStartMs,
    restartEmptyMs,
    restartMs,
    restartReadyLineMs: sim.readyMs,
    finds,
    soak: soakCapacity,
    reporting,
    journal,
    cliStartup,
    rehearsals,
    stateBytes,
    valid: invalid.length === 0 && !findsInvalid,
    targetsMet: ratioEmpty >= TARGET.ratio && ratioFull >= TARGET.ratio && empty.p99Ms <= TARGET.p99Ms && full.p99Ms <= TARGET.p99Ms && restartMs / 1000 <= TARGET.restartS,
  };
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, argv.profile ? 'latest-profiled.json' : 'latest.json'), JSON.stringify(results, null, 2) + '\n');

  if (argv.profile) {
    for (const f of fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
      const pid = Number(f.split('.')[3]);
      printSummary(roles.get(pid) ?? `pid ${pid}`, path.join(profileDir, f));
    }
  }
  if (invalid.length || findsInvalid) process.exitCode = 1;
}

try {
  await main();
} finally {
  // Never leave a server behind, even when a step failed.
  for (const s of running) s.child.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
}
