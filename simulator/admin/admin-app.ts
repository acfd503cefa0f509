// cda-sim's own admin API (openapi/admin.yaml): status, test users and their tokens, the
// registrations table, the journal, and reset. Loopback-only by default; never part of the PDP contract.
import express from 'express';
import path from 'node:path';
import type { OpenAPIBackend } from 'openapi-backend';
import type { Clock } from '../core/clock.js';
import { openapiDir } from '../core/paths.js';
import { HttpProblem } from '../http/problems.js';
import { finalHandlers, loadApi, specRouter, type OperationHandler } from '../http/spec-app.js';
import { readJournal, type Journal } from '../store/journal.js';
import { answerWhenDurable } from '../http/durable-answers.js';
import type { Store } from '../store/state.js';
import type { TestUser } from '../testdata/users.js';
import type { UserTokenVariant } from '../pfs/user-token.js';
import { FaultRegistry, validateFaultRule, type FaultRule } from '../faults/registry.js';
import { consoleHandlers, consolePageRoutes } from '../console/console-app.js';
import { adminAccessGuard, listenerHosts, type AdminAccess } from './access.js';
import type { ConsoleSource } from '../console/source.js';

export const ADMIN_SPEC = path.join(openapiDir, 'admin.yaml');

export interface AdminDeps {
  clock: Clock;
  store: Store;
  journal: Journal;
  users: TestUser[];
  mintUserToken: (user: TestUser, variant: UserTokenVariant, lifetimeSeconds?: number) => Promise<{ token: string; claims: Record<string, unknown> }>;
  status: () => Record<string, unknown>;
  /** Clear registrations, tokens and the journal. */
  reset: () => { registrations: number; pats: number; rpts: number; faults?: number };
  /** The C&A's fault rules (the same instance the C&A app reads). */
  faults?: FaultRegistry;
  /** What the web console at /console shows (without it, the console's operations answer 501). */
  console?: ConsoleSource;
  api?: OpenAPIBackend;
  /** Who may call: by default loopback names only, with no token. */
  access?: AdminAccess;
}

export async function createAdminApp(deps: AdminDeps): Promise<express.Express> {
  const api = deps.api ?? (await loadApi(ADMIN_SPEC));
  const userById = new Map(deps.users.map((u) => [u.id, u]));
  const userIdBySub = new Map(deps.users.map((u) => [u.sub, u.id]));

  const faults = deps.faults ?? new FaultRegistry({ clock: deps.clock });

  const handlers: Record<string, OperationHandler> = {
    listFaults: (_req, res) => {
      res.json({ faults: faults.list() });
    },
    addFault: (req, res) => {
      const rule = req.body as Record<string, unknown>;
      const violations = validateFaultRule(rule, deps.clock.now());
      if (violations.length) throw new HttpProblem('invalid-request', violations);
      // A test user id is accepted for `user` and stored as that user's sub.
      const user = typeof rule.user === 'string' ? (userById.get(rule.user)?.sub ?? rule.user) : undefined;
      faults.add({ ...rule, ...(user ? { user } : {}) } as unknown as FaultRule);
      res.status(201).json({ faults: faults.list() });
    },
    clearFaults: (_req, res) => {
      res.json({ cleared: faults.clear() });
    },
    status: (_req, res) => {
      res.json(deps.status());
    },
    listUsers: (_req, res) => {
      res.json({ users: deps.users.map((u) => ({ id: u.id, sub: u.sub, name: u.name, purpose: u.purpose })) });
    },
    mintUserToken: async (req, res) => {
      const id = decodeURIComponent(req.path.split('/')[3] ?? '');
      const user = userById.get(id);
      if (!user) throw new HttpProblem('not-found', [{ code: 'UNKNOWN_USER', field: 'id', detail: `no test user "${id}"; known: ${[...userById.keys()].join(', ')}` }]);
      const body = (req.body ?? {}) as { variant?: UserTokenVariant; lifetime_seconds?: number };
      const variant = body.variant ?? 'valid';
      const minted = await deps.mintUserToken(user, variant, body.lifetime_seconds);
      res.json({ user_token: minted.token, variant, claims: minted.claims });
    },
    listRegistrations: (req, res) => {
      const q = req.query as Record<string, string | undefined>;
      const owner = q.owner ? (userById.get(q.owner)?.sub ?? q.owner) : undefined;
      const includeDeleted = q.include_deleted === 'true';
      const registrations = deps.store
        .resources()
        .filter((r) => (includeDeleted || !r.deleted_at) && (!owner || r.owner === owner) && (!q.match_status || r.match_status === q.match_status))
        .map((r) => ({ ...r, ...(userIdBySub.has(r.owner) ? { owner_user_id: userIdBySub.get(r.owner) } : {}) }));
      res.json({ registrations });
    },
    queryJournal: async (req, res) => {
      const q = req.query as Record<string, string | undefined>;
      const entries = await readJournal(deps.journal.file, {
        requestId: q.request_id,
        path: q.path,
        status: q.status ? Number(q.status) : undefined,
        direction: q.direction as 'in' | 'out' | undefined,
        limit: q.limit ? Number(q.limit) : 1000,
      });
      res.json({ entries });
    },
    reset: (_req, res) => {
      res.json({ cleared: deps.reset() });
    },
  };

  const app = express();
  app.use(adminAccessGuard(deps.access ?? { hosts: listenerHosts('127.0.0.1') }));
  answerWhenDurable(app, deps.store);
  app.disable('x-powered-by');
  // The admin API is the control plane, not the PDP exchange under test: it is not journalled.
  if (deps.console) app.use(consolePageRoutes(deps.console));
  app.use(specRouter(api, { handlers: { ...handlers, ...(deps.console ? consoleHandlers(deps.console) : {}) } }));
  finalHandlers(app);
  return app;
}
