// Wires the CDA-side servers together: crypto material, state, journal, the C&A on HTTPS (mTLS)
// and plain HTTP, and the admin API. Used by `cda-sim start`, the rehearsal and the tests.
import fs from 'node:fs';
import type { OpenAPIBackend } from 'openapi-backend';
import path from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { packageVersion } from '../core/paths.js';
import { asUsageError, CliError, EXIT } from '../core/exit-codes.js';
import { createSigner } from '../crypto/jose.js';
import { ensureMaterial, expiryWarnings, type Material } from '../crypto/material.js';
import { Journal } from '../store/journal.js';
import { Store } from '../store/state.js';
import { checkStateDir, StateDirError } from '../store/disk.js';
import { answerWhenDurable } from '../http/durable-answers.js';
import { journalledCertRefusal, journalHandshakeRefusal } from '../http/cert-refusal.js';
import { loadTestUsers, type TestUser } from '../testdata/users.js';
import { createCaApp } from '../ca/ca-app.js';
import { buildCaKeys } from '../ca/keys.js';
import { FaultRegistry } from '../faults/registry.js';
import { defaultCaConfig, tokenEndpoint, type CaConfig, type CaUrls } from '../ca/config.js';
import { createAdminApp } from '../admin/admin-app.js';
import { createReportingApp } from '../reporting/reporting-app.js';
import { SubmissionStore } from '../reporting/submissions.js';
import type { RequestListener } from 'node:http';
import { mintUserToken, type UserTokenVariant } from '../pfs/user-token.js';
import { listenHttp, listenHttps, type Listener } from '../http/listeners.js';
import { readLock, removeLock, writeLock } from './lock.js';
import { LiveConsoleSource } from '../console/source.js';
import { adminToken, isLoopback, listenerHosts, type AdminAccess } from '../admin/access.js';
import { builtInProfile, type SpecProfile } from '../http/spec-profile.js';
import type { RunSimulator, SimulatorOptions } from '../rehearsal/simulated-cda.js';
import { loadApi } from '../http/spec-app.js';


/** Off loopback the admin API needs a bearer token; on loopback the Host and Origin checks suffice. */
function adminAccessFor(stateDir: string, host: string, names: string[] = []): { access: AdminAccess; tokenFile?: Simulator['adminToken'] } {
  const hosts = listenerHosts(host, names);
  if (isLoopback(host)) return { access: { hosts } };
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const t = adminToken(stateDir);
  return { access: { hosts, token: t.token }, tokenFile: t };
}

export type { SimulatorOptions } from '../rehearsal/simulated-cda.js';

export interface Simulator extends RunSimulator {
  /** What the web console (/console on the admin port) shows; give it a run's events with `runEvent`. */
  console: LiveConsoleSource;
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const clock = opts.clock ?? systemClock;
  const host = opts.host ?? '127.0.0.1';
  const admin = adminAccessFor(opts.stateDir, host, opts.hostnames);
  const held = readLock(opts.stateDir);
  if (held) {
    throw new CliError(`another cda-sim (pid ${held.pid}) is running on the state directory ${path.resolve(opts.stateDir)}: stop it, or use another --state-dir`, EXIT.environment);
  }
  // Inputs first: a bad users file is refused before the state directory is opened.
  const users = asUsageError(() => loadTestUsers(opts.usersFile));
  const profile = opts.profile ?? builtInProfile();
  const apis = { ...opts.apis, ...(await profileApis(profile)) };
  const durable = await openDurable(opts, clock);
  const { store, journal, submissions } = durable;
  let material: Material;
  try {
    ({ material } = await ensureMaterial(opts.certsDir, { clock, hostnames: opts.hostnames }));
  } catch (err) {
    await closeDurable(durable);
    throw err instanceof CliError ? err : new CliError(`the certs directory ${opts.certsDir} cannot be used: ${(err as Error).message}`, EXIT.environment);
  }
  const config: CaConfig = { ...defaultCaConfig, ...opts.ca };
  const keys = await buildCaKeys(material);
  const pfsSigner = await createSigner(material.keys.pfs);
  const rogueSigner = await createSigner(material.keys.rogue);

  // URLs are known only after binding (ports may be 0); the apps read them through this holder.
  const urls: CaUrls = { issuer: opts.issuer ?? '', bases: [] };
  const mint = async (user: TestUser, variant: UserTokenVariant = 'valid', lifetimeSeconds?: number) =>
    mintUserToken({ user, clock, pfsSigner, rogueSigner, pfsIssuer: config.pfsIssuer, audience: tokenEndpoint(urls.issuer), variant, lifetimeSeconds });

  const faults = new FaultRegistry({ clock });
  const caApp = await createCaApp({ clock, store, journal, keys, config, urls: () => urls, api: apis.ca, faults, compat: opts.compat, strict: opts.strict });
  const reportingApp = await createReportingApp({ clock, journal, submissions, api: apis.reporting, faults, compat: opts.compat, strict: opts.strict });
  // A submission is durable before its 202, as a registration is (with --fsync: synced in the same group commit).
  answerWhenDurable(reportingApp, store);
  // The CDA's listeners serve the C&A and, beside it, the reporting service (as MaPS's harness does).
  // They build requests as the C&A's own classes (its hot path); express re-prototypes the reporting service's.
  const REPORTING_PATHS = /^\/(?:service-availability|view-response)\/|^\/configuration(?:[?/]|$)/;
  const cdaApp: RequestListener = (req, res) => (REPORTING_PATHS.test(req.url ?? '') ? reportingApp : caApp)(req, res);
  const consoleSource = new LiveConsoleSource({ journal, store, users, stateDir: opts.stateDir });
  const listeners: Listener[] = [];
  const endpoints: Simulator['endpoints'] = { issuer: '' };
  try {
    if (opts.httpsPort !== null) {
      const l = await listenHttps(cdaApp, {
        host,
        port: opts.httpsPort ?? 8443,
        mtls: opts.mtls ?? 'need',
        tls: { serverCert: material.server.cert, serverKey: material.server.key, clientCa: [material.ca.cert] },
        what: 'the C&A HTTPS',
        // A refused client certificate is journalled with its reason, as the C&A's exchanges are.
        refuse: journalledCertRefusal(journal, 'ca', () => clock.now()),
        // So is one the handshake refused (expired, foreign CA, none, no clientAuth).
        onHandshakeRefused: journalHandshakeRefusal(journal, 'ca-tls', () => clock.now()),
        classes: caApp.classes,
      });
      listeners.push(l);
      endpoints.https = l.url;
    }
    if (opts.httpPort !== null) {
      const l = await listenHttp(cdaApp, { host, port: opts.httpPort ?? 8081, what: 'the C&A HTTP', classes: caApp.classes });
      listeners.push(l);
      endpoints.http = l.url;
    }
    urls.bases = [endpoints.https, endpoints.http].filter((u): u is string => !!u);
    urls.issuer = opts.issuer ?? urls.bases[0] ?? 'https://localhost:8443';
    endpoints.issuer = urls.issuer;

    if (opts.adminPort !== null) {
      const adminApp = await createAdminApp({
        access: admin.access,
        clock,
        store,
        journal,
        users,
        mintUserToken: mint,
        faults,
        console: consoleSource,
        api: opts.apis?.admin,
        status: () => {
          const all = store.resources();
          return {
            version: packageVersion(),
            profile: profile.label,
            endpoints,
            mtls: opts.mtls ?? 'need',
            ...(opts.compat ? { compat: opts.compat } : {}),
            strict: opts.strict !== false,
            resourceIdFormat: config.resourceIdFormat,
            counts: {
              registrations: all.filter((r) => !r.deleted_at).length,
              deleted: all.filter((r) => r.deleted_at).length,
              pats: Object.keys(store.data.pats).length,
              rpts: Object.keys(store.data.rpts).length,
              reportingSubmissions: submissions.count,
            },
            // Disk faults: counted here, answered 503 for writes while they last.
            storage: { state: store.writeHealth(), journal: journal.status() },
            certificateWarnings: expiryWarnings(material, clock),
          };
        },
        reset: () => {
          const cleared = { registrations: store.resources().length, pats: Object.keys(store.data.pats).length, rpts: Object.keys(store.data.rpts).length, faults: faults.clear() };
          store.reset();
          journal.clear();
          submissions.clear();
          return cleared;
        },
      });
      const l = await listenHttp(adminApp, { host, port: opts.adminPort ?? 8088, what: 'the admin API' });
      listeners.push(l);
      endpoints.admin = l.url;
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    await closeDurable(durable);
    throw err;
  }

  writeLock(opts.stateDir, {
    pid: process.pid,
    started: new Date(clock.now()).toISOString(),
    adminUrl: endpoints.admin,
    issuer: urls.issuer,
    endpoints: Object.fromEntries(Object.entries(endpoints).filter(([, v]) => !!v)) as Record<string, string>,
  });

  let closed = false;
  return {
    endpoints,
    adminHeaders: admin.access.token ? { Authorization: `Bearer ${admin.access.token}` } : {},
    adminToken: admin.tokenFile,
    store,
    journal,
    submissions,
    material,
    users,
    config,
    profile,
    faults,
    console: consoleSource,
    mintUserToken: (userId, variant, life) => {
      const user = users.find((u) => u.id === userId);
      if (!user) throw new CliError(`unknown test user "${userId}"; known: ${users.map((u) => u.id).join(', ')}`);
      return mint(user, variant, life);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(listeners.map((l) => l.close()));
      await closeDurable(durable);
      removeLock(opts.stateDir);
    },
  };
}

/** The user's C&A and reporting documents, compiled before the state directory is opened: one that fails is a usage error. */
async function profileApis(profile: SpecProfile): Promise<{ ca?: OpenAPIBackend; reporting?: OpenAPIBackend }> {
  const out: { ca?: OpenAPIBackend; reporting?: OpenAPIBackend } = {};
  for (const api of ['ca', 'reporting'] as const) {
    const doc = profile.documents[api];
    if (!doc) continue;
    try {
      out[api] = await loadApi(doc);
    } catch (err) {
      throw new CliError(`--spec-dir: the ${api === 'ca' ? 'C&A' : 'reporting'} operations supplied (${profile.supplied.filter((s) => s.api === api).map((s) => `${s.what} from ${s.file}`).join(', ')}) cannot be compiled: ${(err as Error).message.split('\n')[0]}`, EXIT.usage);
    }
  }
  return out;
}

interface Durable {
  store: Store;
  journal: Journal;
  submissions: SubmissionStore;
}

/**
 * The state directory's files: state, journal, reporting submissions, one group commit for all of
 * them. A directory that cannot take writes (read-only, not a directory, no space) stops the start
 * with one line naming it and the cause (exit 3), before anything listens.
 */
async function openDurable(opts: SimulatorOptions, clock: Clock): Promise<Durable> {
  const unusable = (err: unknown) => new CliError(err instanceof StateDirError ? err.message : (err as NodeJS.ErrnoException).code ? new StateDirError(opts.stateDir, err).message : (err as Error).message.replace(/^cda-sim: /, ''), EXIT.environment);
  let store: Store | undefined;
  try {
    checkStateDir(opts.stateDir);
    store = await Store.open(opts.stateDir, { fsync: opts.fsync });
    const journal = new Journal(opts.stateDir, () => clock.now(), { capBytes: opts.journalCapBytes, commits: store.commits });
    const submissions = SubmissionStore.open(opts.stateDir, { fsync: opts.fsync, commits: store.commits });
    return { store, journal, submissions };
  } catch (err) {
    await store?.close();
    throw unusable(err);
  }
}

async function closeDurable(d: Durable): Promise<void> {
  await d.store.close();
  d.journal.close();
  d.submissions.close();
}
