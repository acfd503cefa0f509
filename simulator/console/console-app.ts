// The web console at /console on the admin port. Its JSON API (/console/api/…) is part of
// openapi/admin.yaml and served by the admin app's spec router with the handlers below. The page's
// static files and the server-sent event stream are plain express routes: they are a browser's
// page and a long-lived stream, not JSON operations an OpenAPI document describes usefully.
import express, { type Request, type Response } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { openapiDir, packageRoot } from '../core/paths.js';
import { HttpProblem } from '../http/problems.js';
import { finalHandlers, loadApi, specRouter, type OperationHandler } from '../http/spec-app.js';
import { listRuns, readResults, runDir } from '../runs/run-store.js';
import { runVerdict } from '../reports/results.js';
import type { RunResults } from '../scenarios/run-results.js';
import { listenHttp } from '../http/listeners.js';
import { readJournal, type JournalEntry } from '../store/journal.js';
import { buildTimeline, recordedAttribution } from './timeline.js';
import { progressFromResults } from './run-progress.js';
import { registrationsFromJournal, TIMELINE_LIMIT, type ConsoleSource, type ConsoleUpdate } from './source.js';

/** The page's files, shipped with the package (plain HTML, CSS and ES modules: no build step). */
export const CONSOLE_STATIC_DIR = path.join(packageRoot, 'simulator', 'console', 'static');

/** A run's files the console offers for download, with their content types. */
export const RUN_FILES: Record<string, string> = {
  'report.pdf': 'application/pdf',
  'report.html': 'text/html',
  'junit.xml': 'application/xml',
  'results.json': 'application/json',
};

/** How often an idle event stream sends a comment, so proxies and browsers keep it open. */
const KEEPALIVE_MS = 15000;

function runFilesOf(dir: string): string[] {
  return Object.keys(RUN_FILES).filter((f) => fs.existsSync(path.join(dir, f)));
}

/** A kept run's folder, from the `{id}` of /console/api/runs/{id}/…: a bad id is a 400 naming it. */
function keptRunDir(source: ConsoleSource, id: string): string {
  try {
    return runDir(source.stateDir, id);
  } catch (err) {
    throw new HttpProblem('invalid-request', [{ code: 'INVALID_FORMAT', field: 'id', detail: (err as Error).message }]);
  }
}

/** A kept run with its results and its own journal (every exchange of the run, kept beside its reports). */
async function keptRun(source: ConsoleSource, id: string): Promise<{ results: RunResults; entries: JournalEntry[] }> {
  const dir = keptRunDir(source, id);
  const results = fs.existsSync(dir) ? readResults(dir) : undefined;
  if (!results) throw new HttpProblem('not-found', [{ code: 'UNKNOWN_RUN', field: 'id', detail: `no kept run ${id} with results in ${path.join(source.stateDir, 'runs')}` }]);
  return { results, entries: await readJournal(path.join(dir, 'journal.ndjson'), { limit: TIMELINE_LIMIT }) };
}

/** The console's operations of openapi/admin.yaml, by operationId. */
export function consoleHandlers(source: ConsoleSource): Record<string, OperationHandler> {
  return {
    consoleOverview: (_req, res) => {
      const run = source.run();
      res.json({ source: { kind: source.kind, label: source.label }, ...(run ? { run } : {}) });
    },
    consoleTimeline: async (_req, res) => {
      res.json({ entries: buildTimeline(await source.entries(), source.recorded) });
    },
    consoleKeptRun: async (req, res) => {
      const { results } = await keptRun(source, decodeURIComponent(req.path.split('/')[4]));
      res.json(progressFromResults(results));
    },
    consoleKeptRunTimeline: async (req, res) => {
      const { results, entries } = await keptRun(source, decodeURIComponent(req.path.split('/')[4]));
      res.json({ entries: buildTimeline(entries, recordedAttribution(results.testCases, entries)) });
    },
    consoleKeptRunRegistrations: async (req, res) => {
      res.json({ registrations: registrationsFromJournal((await keptRun(source, decodeURIComponent(req.path.split('/')[4]))).entries) });
    },
    consoleKeptRunExchange: async (req, res) => {
      const parts = req.path.split('/'); // /console/api/runs/{id}/exchanges/{seq}
      const seq = Number(parts[6]);
      const entry = (await keptRun(source, decodeURIComponent(parts[4]))).entries.find((e) => e.seq === seq);
      if (!entry) throw new HttpProblem('not-found', [{ code: 'UNKNOWN_EXCHANGE', field: 'seq', detail: `no journal entry ${seq} in run ${parts[4]}` }]);
      res.json(entry);
    },
    consoleExchange: async (req, res) => {
      const seq = Number(req.path.split('/').pop());
      const entry = (await source.entries()).find((e) => e.seq === seq);
      if (!entry) throw new HttpProblem('not-found', [{ code: 'UNKNOWN_EXCHANGE', field: 'seq', detail: `no journal entry ${seq}` }]);
      res.json(entry);
    },
    consoleRegistrations: (_req, res) => {
      res.json({ registrations: source.registrations() });
    },
    consoleRuns: (_req, res) => {
      const runs = listRuns(source.stateDir).map((r) => ({
        id: r.id,
        state: r.state,
        ...(r.results
          ? { startedAt: r.results.run.startedAt, finishedAt: r.results.run.finishedAt, provider: r.results.run.provider, scenarios: r.results.run.scenarios, summary: r.results.summary, verdict: runVerdict(r.results.run, r.results.testCases) }
          : { verdict: 'INCOMPLETE' }),
        files: runFilesOf(r.dir),
      }));
      res.json({ runs });
    },
    consoleRunFile: (req, res) => {
      const [, , , , id, , file] = req.path.split('/').map(decodeURIComponent); // /console/api/runs/{id}/files/{file}
      const dir = keptRunDir(source, id);
      const full = path.join(dir, file);
      if (!RUN_FILES[file] || !fs.existsSync(full)) throw new HttpProblem('not-found', [{ code: 'UNKNOWN_RUN_FILE', field: 'file', detail: `run ${id} has no ${file}` }]);
      res.setHeader('Content-Type', RUN_FILES[file]);
      res.setHeader('Content-Disposition', `attachment; filename="${id}-${file}"`);
      fs.createReadStream(full).pipe(res);
    },
  };
}

/** The page, its files, and the live event stream. */
export function consolePageRoutes(source: ConsoleSource): express.Router {
  const router = express.Router();
  router.get('/console', (req, res) => {
    // The page's links are relative to /console/ (express matches both spellings here).
    if (!req.originalUrl.split('?')[0].endsWith('/')) return res.redirect(301, '/console/');
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(path.join(CONSOLE_STATIC_DIR, 'index.html'));
  });
  router.use('/console/static', express.static(CONSOLE_STATIC_DIR, { index: false }));
  router.get('/console/events', (req: Request, res: Response) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(`retry: 2000\n\n`);
    const send = (u: ConsoleUpdate) => {
      if (u.type === 'entry') {
        // The timeline's summary only: bodies are fetched when an arrow is opened.
        const [item] = buildTimeline([u.entry]);
        if (item) res.write(`event: entry\ndata: ${JSON.stringify(item)}\n\n`);
      } else {
        res.write(`event: run\ndata: ${JSON.stringify({ event: u.event, run: u.progress })}\n\n`);
      }
    };
    const unsubscribe = source.subscribe(send);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    req.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  });
  return router;
}

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/**
 * Serve the console on its own port, over any source: for a finished run's recorded data
 * (`recordedSource`) where no simulator runs. The admin API's other operations are not there.
 */
export async function startConsole(opts: { source: ConsoleSource; host?: string; port?: number }): Promise<RunningConsole> {
  // The admin document, by path: importing admin-app here would make a cycle.
  const api = await loadApi(path.join(openapiDir, 'admin.yaml'));
  const app = express();
  app.disable('x-powered-by');
  app.use(consolePageRoutes(opts.source));
  app.use(specRouter(api, { handlers: consoleHandlers(opts.source) }));
  finalHandlers(app);
  const l = await listenHttp(app, { host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, what: 'the console' });
  return { url: `${l.url}/console/`, close: () => l.close() };
}

