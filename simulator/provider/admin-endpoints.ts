// The standalone reference provider's own test-support endpoints (`cda-sim provider`), so it can
// stand in for "your own provider" through the whole window. A real provider has its own ways to
// clear its test data, act on PDP's update file and submit its daily reports; these are the
// reference provider's, and `cda-sim provider clear-down|apply-updates|submit-reporting` calls them:
//   POST /admin/clear-down        forget every PAT, PeI and served view (provider.clearDown.url)
//   POST /admin/apply-updates     body: a Stage 2 update file (JSON), acted on as updates.ts does
//   POST /admin/submit-reporting  body: {"day": "YYYY-MM-DD"} (default today, UTC): the six daily reports
// They are served only over mutual TLS (a client certificate from the CA the provider trusts), and
// take JSON only, so a page in a browser can never drive them.
import express, { type Request, type Response, type NextFunction } from 'express';
import { sendProblem } from './http.js';
import type { AppliedUpdate } from './updates.js';

export interface AdminDeps {
  clearDown(): void;
  applyUpdates(doc: unknown): Promise<AppliedUpdate[]>;
  submitReporting(day?: string): Promise<{ endpoint: string; status: number; attempts: number }[]>;
  log: (line: string) => void;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function jsonOnly(req: Request, res: Response, next: NextFunction): void {
  if (!req.is('application/json')) return void sendProblem(res, 415, [{ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type', detail: 'send the body as application/json' }]);
  next();
}

export function adminEndpoints(deps: AdminDeps): express.Router {
  const router = express.Router();
  const body = express.json({ limit: '1mb', type: 'application/json' });
  router.post('/admin/clear-down', (_req, res) => {
    deps.clearDown();
    deps.log('clear-down: every PAT, PeI and served view forgotten');
    res.json({ cleared: ['pats', 'peis', 'served views'] });
  });
  router.post('/admin/apply-updates', jsonOnly, body, async (req, res, next) => {
    if (!Array.isArray(req.body?.instructions)) return sendProblem(res, 400, [{ code: 'INVALID_UPDATE_FILE', field: 'instructions', detail: 'an update file has an "instructions" array' }]);
    try {
      const applied = await deps.applyUpdates(req.body);
      res.json({ applied, failed: applied.filter((a) => !a.ok).length });
    } catch (err) {
      next(err);
    }
  });
  router.post('/admin/submit-reporting', jsonOnly, body, async (req, res, next) => {
    const day = req.body?.day;
    if (day !== undefined && (typeof day !== 'string' || !DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))) {
      return sendProblem(res, 400, [{ code: 'INVALID_DAY', field: 'day', detail: 'a UTC day as YYYY-MM-DD' }]);
    }
    try {
      const submitted = await deps.submitReporting(day);
      res.json({ day: day ?? new Date().toISOString().slice(0, 10), submitted });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
