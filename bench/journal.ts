// The journal at size: 1,000,000 exchanges recorded (a C&A registration's typical line) through the
// default cap, then the time `cda-sim journal --limit 5` takes to read the newest five, and what the
// journal costs on disk per exchange. Reads go newest-first, so that time must not grow with size.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Journal } from '../simulator/store/journal.js';
import { ROOT } from './lib.js';

export interface JournalFigures {
  exchanges: number;
  recordSeconds: number;
  bytesOnDisk: number;
  capBytes: number;
  /** Bytes one exchange's line takes. */
  bytesPerExchange: number;
  /** `cda-sim journal --limit 5`, wall time of the whole command, at 1,000 and at `exchanges` exchanges. */
  limit5MsSmall: number;
  limit5Ms: number;
}

function exchange(): Parameters<Journal['record']>[0] {
  const rid = randomUUID();
  return {
    direction: 'in',
    role: 'ca',
    method: 'POST',
    url: '/rreguri',
    path: '/rreguri',
    requestId: rid,
    requestHeaders: { host: '127.0.0.1:8081', 'content-type': 'application/json', authorization: `Bearer ${'p'.repeat(600)}`, 'x-request-id': rid },
    requestBody: { name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value'] },
    status: 201,
    responseHeaders: { 'content-type': 'application/json; charset=utf-8', 'content-length': '52' },
    responseBody: { resource_id: `${randomUUID()}1` },
    durationMs: 1.2,
    operationId: 'registerResource',
  };
}

/** Wall time of `cda-sim journal --limit 5` (the median of three). */
function limit5Ms(stateDir: string): number {
  const times = [0, 1, 2].map(() => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'cda-sim.js'), 'journal', '--state-dir', stateDir, '--limit', '5'], { encoding: 'utf8' });
    if (r.status !== 0 || !/^5 exchange/m.test(r.stderr)) throw new Error(`journal --limit 5 failed: ${r.stderr}`);
    return performance.now() - t0;
  });
  return times.sort((a, b) => a - b)[1];
}

export async function measureJournal(opts: { exchanges: number; log: (m: string) => void }): Promise<JournalFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bench-journal-'));
  try {
    const journal = new Journal(dir, Date.now);
    for (let i = 0; i < 1000; i++) journal.record(exchange());
    const limit5MsSmall = limit5Ms(dir);
    const line = fs.statSync(journal.file).size / 1000;
    const t0 = performance.now();
    for (let i = 1000; i < opts.exchanges; i++) journal.record(exchange());
    const recordSeconds = (performance.now() - t0) / 1000;
    const { bytes, capBytes } = journal.status();
    journal.close();
    const figures = { exchanges: opts.exchanges, recordSeconds, bytesOnDisk: bytes, capBytes, bytesPerExchange: Math.round(line), limit5MsSmall, limit5Ms: limit5Ms(dir) };
    opts.log(`journal: ${opts.exchanges} exchanges in ${recordSeconds.toFixed(1)} s; ${(bytes / 1048576).toFixed(0)} MiB on disk (cap ${capBytes / 1048576} MiB), ${figures.bytesPerExchange} bytes an exchange; journal --limit 5: ${limit5MsSmall.toFixed(0)} ms at 1,000, ${figures.limit5Ms.toFixed(0)} ms at ${opts.exchanges}`);
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
