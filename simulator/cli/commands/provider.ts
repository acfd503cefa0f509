// `cda-sim provider`: run the reference provider on its own until Ctrl+C, against a C&A (cda-sim's
// own, started by `cda-sim rehearse --config …` or `cda-sim start`, over HTTPS with mutual TLS by
// default). It loads the test data pack, answers finds and views, and prints the URLs to give cda-sim.
// `cda-sim provider clear-down | apply-updates FILE | submit-reporting` ask the running provider to
// clear its test data, act on a Stage 2 update file, or submit its daily reports: what a provider's
// own tooling does, so the standalone reference provider can stand in for yours through the window.
import fs from 'node:fs';
import path from 'node:path';
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { systemClock } from '../../core/clock.js';
import { defaultCaConfig } from '../../ca/config.js';
import { call, type CallFailed } from '../../http/client.js';
import { loadTestData, TESTDATA_FILE, type TestDataPack } from '../../testdata/records.js';
import { PROVIDER_FAULTS, type ProviderFault } from '../../provider/faults.js';
import type { ReferenceProvider } from '../../provider/reference-provider.js';

/** What running or asking a provider needs, loaded then: `provider --help` needs only the options. */
const loadMaterial = async (certsDir: string) => (await import('../../crypto/material.js')).ensureMaterial(certsDir, { clock: systemClock });

const ACTIONS = ['clear-down', 'apply-updates', 'submit-reporting'] as const;
type Action = (typeof ACTIONS)[number];
const DEFAULT_CA_URL = 'https://localhost:8443';
const DEFAULT_PROVIDER_URL = 'https://localhost:9443';

interface ProviderArgs {
  action?: Action;
  file?: string;
  'state-dir': string;
  'certs-dir': string;
  'ca-url': string;
  'ca-issuer'?: string;
  'jwks-url'?: string;
  'pfs-issuer': string;
  host: string;
  port: number;
  tls: boolean;
  testdata?: string;
  'provider-id': string;
  'provider-url': string;
  day?: string;
  fault?: string[];
}

export const providerCommand = defineCommand({
  command: 'provider [action] [file]',
  describe: 'Run the reference provider (find and view endpoints) against a C&A until Ctrl+C; `provider apply-updates FILE`, `provider submit-reporting`, `provider clear-down` ask a running one',
  builder: (y) =>
    withDirs(y)
      .positional('action', { choices: ACTIONS, describe: 'Ask the running provider (at --provider-url) to do this, instead of running one' })
      .positional('file', { type: 'string', describe: 'apply-updates: the update file (JSON; default $CDA_SIM_UPDATE_FILE)' })
      .option('ca-url', { type: 'string', default: DEFAULT_CA_URL, describe: 'Where the provider calls the C&A (/token, /rreguri, /perm, /introspect) and submits reports; https presents certs/provider-client.crt (mTLS)' })
      .option('ca-issuer', { type: 'string', describe: 'The C&A issuer: user tokens are addressed to <issuer>/token; as_uri in the 401 challenge (default: --ca-url when it is https, else https://localhost:8443)' })
      .option('jwks-url', { type: 'string', describe: 'The C&A JWKS (default: <ca-url>/jwk_uri)' })
      .option('pfs-issuer', { type: 'string', default: defaultCaConfig.pfsIssuer, describe: 'The iss that user tokens and find request tokens carry' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to bind (loopback unless told otherwise)' })
      .option('port', { type: 'number', default: 9443, describe: 'Port for the find and view endpoints; 0 picks a free one' })
      .option('tls', { type: 'boolean', default: true, describe: 'HTTPS with mTLS (the certs dir’s server certificate; clients must present a certificate from its CA); --no-tls for plain HTTP (no /admin endpoints then)' })
      .option('testdata', { type: 'string', describe: 'The test data pack to load (default: the shipped scenarios/testdata.json)' })
      .option('provider-id', { type: 'string', default: 'cda-sim-reference-provider', describe: 'iss of the view data tokens' })
      .option('provider-url', { type: 'string', default: DEFAULT_PROVIDER_URL, describe: 'With an action: where the running provider listens (cda-sim presents certs/cda-client.crt)' })
      .option('day', { type: 'string', describe: 'submit-reporting: the UTC day to report (default $CDA_SIM_REPORTING_DAY, else today)' })
      .option('fault', { type: 'string', array: true, choices: PROVIDER_FAULTS as ProviderFault[], hidden: true, describe: 'Deliberate defects, for cda-sim’s own tests only' }),
  run: async (args) => {
    const a = args as unknown as ProviderArgs;
    return a.action ? askProvider(a, a.action) : runProvider(a);
  },
});

async function runProvider(args: ProviderArgs): Promise<number> {
  const caUrl = args['ca-url'].replace(/\/$/, '');
  const caIssuer = args['ca-issuer'] ?? (caUrl.startsWith('https:') ? caUrl : DEFAULT_CA_URL);
  let testData: TestDataPack;
  try {
    testData = loadTestData(args.testdata ?? TESTDATA_FILE);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  const [{ material }, { startReferenceProvider }, { loadOrCreateSigningKey }] = await Promise.all([
    loadMaterial(args['certs-dir']),
    import('../../provider/reference-provider.js'),
    import('../../provider/signing-key.js'),
  ]);
  const dir = path.join(args['state-dir'], 'reference-provider');
  const toCa = caUrl.startsWith('https:') ? { ca: material.ca.cert, cert: material.providerClient.cert, key: material.providerClient.key } : undefined;

  let provider: ReferenceProvider;
  try {
    provider = await startReferenceProvider({
      host: args.host,
      port: args.port,
      tls: args.tls ? { cert: material.server.cert, key: material.server.key, clientCa: [material.ca.cert], mtls: 'need' } : null,
      ca: { baseUrl: caUrl, issuer: caIssuer, jwksUrl: args['jwks-url'] ?? `${caUrl}/jwk_uri`, tls: toCa },
      pfsIssuer: args['pfs-issuer'],
      testData,
      providerId: args['provider-id'],
      // Kept in the state dir, so a restart keeps the key dashboards verify view data with.
      signingKey: await loadOrCreateSigningKey(path.join(dir, 'view-signing-key.json')),
      stateFile: path.join(dir, 'state.json'),
      faults: args.fault as ProviderFault[] | undefined,
      adminEndpoints: args.tls,
      log: (line) => console.log(`${new Date().toISOString()} ${line}`),
    });
  } catch (err) {
    // A port in use and the like are already CliErrors (exit 3); a bad pack, key or state file is a usage error.
    if (err instanceof CliError) throw err;
    throw new CliError(`the reference provider cannot start: ${(err as Error).message}`, EXIT.usage);
  }
  // Listen for Ctrl+C / SIGTERM before saying we are running, so a stop that follows at once is graceful.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log(
    [
      `reference provider is running (${testData.records.length} pension record(s), holdername GUID(s) ${provider.holdernameGuids.join(', ')})`,
      `  find URL: ${provider.findUrl}`,
      `  view URL: ${provider.viewUrl}   (GET <view URL>/<assetGuid>?scope=owner)`,
      `  JWKS:     ${provider.jwksUrl}`,
      `  C&A:      ${caUrl} (issuer ${caIssuer})${toCa ? `, presenting ${path.join(args['certs-dir'], 'provider-client.crt')}` : ' over plain HTTP'}`,
      args.tls ? `  mTLS: callers must present a certificate issued by ${path.join(args['certs-dir'], 'ca.crt')} (cda-client.crt)` : '  plain HTTP (no TLS)',
      provider.adminUrl ? `  admin:    ${provider.adminUrl}/clear-down, /apply-updates, /submit-reporting (\`${adminCommand(provider.adminUrl)}\`)` : '  admin:    off (only over mTLS)',
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
  await stopped;
  await provider.close();
  console.log('reference provider stopped; PATs and registered PeIs saved.');
  return EXIT.ok;
}

/** What each action sends to the running provider's /admin endpoint. */
function requestFor(args: ProviderArgs, action: Action): { body?: unknown } {
  if (action === 'clear-down') return {};
  if (action === 'submit-reporting') {
    const day = args.day ?? process.env.CDA_SIM_REPORTING_DAY;
    if (day !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))) throw new CliError(`--day must be a UTC day as YYYY-MM-DD, not "${day}"`, EXIT.usage);
    return { body: day ? { day } : {} };
  }
  const file = args.file ?? process.env.CDA_SIM_UPDATE_FILE;
  if (!file) throw new CliError('provider apply-updates: name the update file (FILE, or CDA_SIM_UPDATE_FILE as --apply-updates sets it)', EXIT.usage);
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`provider apply-updates: ${path.resolve(file)} ${e.code === 'ENOENT' ? 'does not exist' : `is not a readable JSON update file: ${e.message.split('\n')[0]}`}`, EXIT.usage);
  }
  return { body: doc };
}

async function askProvider(args: ProviderArgs, action: Action): Promise<number> {
  const { body } = requestFor(args, action);
  const { material: m } = await loadMaterial(args['certs-dir']);
  const url = `${args['provider-url'].replace(/\/$/, '')}/admin/${action}`;
  const res = await call({
    method: 'POST',
    url,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    tls: { ca: m.ca.cert, cert: m.cdaClient.cert, key: m.cdaClient.key },
    timeoutMs: 120000,
  }).catch((err: CallFailed) => {
    throw new CliError(`the reference provider at ${url} cannot be reached (${err.code}): ${err.message}. Is \`cda-sim provider\` running there?`, EXIT.environment);
  });
  if (res.status !== 200) throw new CliError(`the reference provider answered ${res.status} to POST ${url}: ${res.text.slice(0, 300)}`, EXIT.environment);
  return reportAnswer(action, res.json);
}

/** One line per instruction or report; exit 1 when any was not applied or not accepted. */
function reportAnswer(action: Action, answer: unknown): number {
  if (action === 'clear-down') {
    console.log('the reference provider cleared its PATs, PeIs and served views');
    return EXIT.ok;
  }
  if (action === 'apply-updates') {
    const { applied } = answer as { applied: { pei: string; action: string; ok: boolean; why?: string }[] };
    for (const u of applied) console.log(`${u.ok ? 'applied' : 'NOT applied'}: ${u.action} ${u.pei}${u.why ? ` (${u.why})` : ''}`);
    const failed = applied.filter((u) => !u.ok).length;
    console.log(`${applied.length - failed} of ${applied.length} instruction(s) applied`);
    return failed ? EXIT.checkFailed : EXIT.ok;
  }
  const { day, submitted } = answer as { day: string; submitted: { endpoint: string; status: number }[] };
  for (const s of submitted) console.log(`${s.endpoint}: ${s.status}${s.status === 202 ? '' : ' (not accepted)'}`);
  console.log(`the daily reports for ${day}: ${submitted.filter((s) => s.status === 202).length} of ${submitted.length} accepted`);
  return submitted.every((s) => s.status === 202) ? EXIT.ok : EXIT.checkFailed;
}

/** The commands that ask this provider, with --provider-url when it is not where they look by default. */
function adminCommand(adminUrl: string): string {
  const origin = new URL(adminUrl).origin;
  const where = origin === DEFAULT_PROVIDER_URL ? '' : ` --provider-url ${origin}`;
  return `cda-sim provider clear-down|apply-updates FILE|submit-reporting${where}`;
}
