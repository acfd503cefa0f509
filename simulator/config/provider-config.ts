// The configuration of the provider under test: cda-sim.config.json (or .yaml/.yml).
// Checked against openapi/schemas/provider-config.schema.json; a bad file gets a message that
// names the field and the rule, never a stack trace.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import YAML from 'yaml';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { openapiDir } from '../core/paths.js';
import { CliError, EXIT } from '../core/exit-codes.js';

const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: unknown) => unknown;

export interface ProviderConfig {
  provider: {
    name?: string;
    findUrl: string;
    viewUrl: string;
    holdernameGuids: string[];
    viewTokenKey: { jwksUrl?: string; jwksFile?: string; pemFile?: string };
    viewTokenIssuer?: string;
    tls?: { trustCaFile?: string; clientCertFile?: string; clientKeyFile?: string; insecureSkipVerify?: boolean };
    clearDown?: { command?: string; url?: string };
    /** Run after the last view, before the reporting phase: has your system submit its daily reports. */
    submitReporting?: { command: string };
  };
  budgets: { findAckMs: number; registrationWindowMs: number; viewResponseMs: number; requestTimeoutMs: number; updateWindowMs: number; windowMs: number };
  simulator?: { host?: string; httpsPort?: number; httpPort?: number; adminPort?: number; mtls?: 'need' | 'want' | 'none'; issuer?: string; journalCapMiB?: number; strict?: boolean };
  testData?: string;
  users?: string;
  /** A folder of OpenAPI files validation follows (a spec profile); resolved against the config file's folder. */
  specDir?: string;
  /**
   * Test cases your written matching policy cannot reach: each a policy-dependent case id
   * (`policyDependent` in the scenario data) and why. They are reported not-applicable, with the reason.
   */
  matchingPolicy?: { notApplicable: { id: string; why: string }[] };
}

export const DEFAULT_BUDGETS: ProviderConfig['budgets'] = {
  findAckMs: 5000,
  registrationWindowMs: 60000,
  viewResponseMs: 10000,
  requestTimeoutMs: 30000,
  // How long Stage 2 waits for the calls the update file asks for, once they are said to be applied.
  updateWindowMs: 60000,
  // PDP's integration window: 3 hours (test-phases §3.8; whether it is fixed is not public).
  windowMs: 3 * 60 * 60 * 1000,
};

let validator: ((d: unknown) => boolean) & { errors?: { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }[] | null };
function validate(data: unknown) {
  if (!validator) {
    const ajv = new (Ajv as unknown as new (o: object) => { compile: (s: object) => typeof validator })({ allErrors: true, strict: false });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(fs.readFileSync(path.join(openapiDir, 'schemas', 'provider-config.schema.json'), 'utf8')));
  }
  validator(data);
  return (validator.errors ?? []).map((e) => {
    const field = e.instancePath.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.');
    const at = (f: string) => (field ? `${field}.${f}` : f);
    switch (e.keyword) {
      case 'required':
        return `${at(String(e.params.missingProperty))}: is required`;
      case 'additionalProperties':
        return `${at(String(e.params.additionalProperty))}: is not a known setting`;
      case 'enum':
        return `${field}: must be one of ${(e.params.allowedValues as string[]).join(', ')}`;
      case 'minProperties':
      case 'maxProperties':
        return `${field}: give exactly one of jwksUrl, jwksFile, pemFile`;
      default:
        return `${field || '(top level)'}: ${e.message}`;
    }
  });
}

/** Read, parse and check a config file, and every file it names; relative paths inside it are resolved against its folder. */
export function loadProviderConfig(file: string): ProviderConfig {
  const text = readConfigText(file);
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new CliError(`config file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${oneLine((err as Error).message)}`, EXIT.usage);
  }
  refuseProblems(file, validate(raw));
  const cfg = raw as ProviderConfig;
  const dir = path.dirname(path.resolve(file));
  // A path in the config is relative to the config file's folder, not to where cda-sim runs; an
  // error about it shows both what was written and where that led.
  const given = new Map<string, string>();
  const resolve = (p?: string) => {
    if (!p) return p;
    const full = path.resolve(dir, p);
    if (full !== p) given.set(full, p);
    return full;
  };
  const k = cfg.provider.viewTokenKey;
  cfg.provider.viewTokenKey = { ...k, jwksFile: resolve(k.jwksFile), pemFile: resolve(k.pemFile) };
  if (cfg.provider.tls) {
    const t = cfg.provider.tls;
    cfg.provider.tls = { ...t, trustCaFile: resolve(t.trustCaFile), clientCertFile: resolve(t.clientCertFile), clientKeyFile: resolve(t.clientKeyFile) };
  }
  cfg.testData = resolve(cfg.testData);
  cfg.users = resolve(cfg.users);
  cfg.specDir = resolve(cfg.specDir);
  cfg.budgets = { ...DEFAULT_BUDGETS, ...cfg.budgets };
  // Every file the run will read is checked now, before anything is started or cleared down.
  refuseProblems(file, namedFileProblems(cfg, (f) => (given.has(f) ? `(written "${given.get(f)}": relative to the config file's folder)` : '')));
  return cfg;
}

function readConfigText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`config file ${file} does not exist (\`cda-sim init\` writes an annotated example)`, EXIT.usage);
    throw new CliError(`config file ${file} cannot be read: ${readProblem(err)}`, EXIT.usage);
  }
}

/** One problem reads as one line; several are listed under it. */
function refuseProblems(file: string, problems: string[]): void {
  if (problems.length === 1) throw new CliError(`config file ${file}: ${problems[0]}`, EXIT.usage);
  if (problems.length) throw new CliError(`config file ${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`, EXIT.usage);
}

type FileKind = 'certificate' | 'private key' | 'public key' | 'jwks' | 'json';

/** The files a config names, each read and parsed as what it must be: a problem per file, naming the field and the rule. */
export function namedFileProblems(cfg: ProviderConfig, written: (file: string) => string = () => ''): string[] {
  const t = cfg.provider.tls ?? {};
  const k = cfg.provider.viewTokenKey;
  const named: [string, string | undefined, FileKind][] = [
    ['provider.tls.trustCaFile', t.trustCaFile, 'certificate'],
    ['provider.tls.clientCertFile', t.clientCertFile, 'certificate'],
    ['provider.tls.clientKeyFile', t.clientKeyFile, 'private key'],
    ['provider.viewTokenKey.jwksFile', k.jwksFile, 'jwks'],
    ['provider.viewTokenKey.pemFile', k.pemFile, 'public key'],
    ['testData', cfg.testData, 'json'],
    ['users', cfg.users, 'json'],
  ];
  const problems = named.flatMap(([field, file, kind]) => {
    const problem = file ? fileProblem(file, kind) : undefined;
    const as = file && problem ? written(file) : '';
    return problem ? [`${field}: ${problem}${as ? ` ${as}` : ''}`] : [];
  });
  // A client certificate is of no use without its key, nor a key without its certificate.
  if (!t.clientCertFile !== !t.clientKeyFile) problems.push(`provider.tls: give clientCertFile and clientKeyFile together (only ${t.clientCertFile ? 'clientCertFile' : 'clientKeyFile'} is set)`);
  return problems;
}

function fileProblem(file: string, kind: FileKind): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read: ${readProblem(err)}`;
  }
  try {
    parseAs(text, kind);
    return undefined;
  } catch (err) {
    return `${file} is not ${KIND_WORDS[kind]}: ${oneLine((err as Error).message)}`;
  }
}

const KIND_WORDS: Record<FileKind, string> = {
  certificate: 'a PEM certificate',
  'private key': 'a PEM private key',
  'public key': 'a PEM public key (or certificate)',
  jwks: 'a JWKS (JSON with a "keys" array)',
  json: 'valid JSON',
};

function parseAs(text: string, kind: FileKind): void {
  if (kind === 'certificate') new X509Certificate(text);
  else if (kind === 'private key') createPrivateKey(text);
  else if (kind === 'public key') createPublicKey(text);
  else {
    const doc = JSON.parse(text) as { keys?: unknown };
    if (kind === 'jwks' && !Array.isArray(doc?.keys)) throw new Error('no "keys" array');
  }
}

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return oneLine((err as Error).message);
}

function oneLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** A digest of the config for reports: shows two runs used the same settings without showing them. */
export function configDigest(cfg: unknown): string {
  return createHash('sha256').update(JSON.stringify(cfg)).digest('hex').slice(0, 16);
}

export const EXAMPLE_CONFIG = `# cda-sim configuration for the provider under test.
# Run the rehearsal against your provider with:  npx cda-sim rehearse --config cda-sim.config.yaml
# File paths in this file (pemFile, jwksFile, trustCaFile, testData…) are relative to this file's folder.
# A flag (--https-port) wins over its CDA_SIM_* variable (CDA_SIM_HTTPS_PORT), which wins over this file.
provider:
  name: Example Pensions (test)
  # Where cda-sim, playing the pension finder service, POSTs find requests.
  findUrl: https://localhost:9443/find
  # Base of your view endpoint: cda-sim, playing a dashboard, calls GET {viewUrl}/{assetGuid}?scope=owner
  viewUrl: https://localhost:9443/view-data
  # The holdername GUIDs your PeIs carry: urn:pei:<holdernameGuid>:<assetGuid>
  holdernameGuids:
    - 3f9a6a3e-1d2b-4c8e-9f10-2a6b7c8d9e01
  # How cda-sim verifies your view_data_token signatures: exactly one of jwksUrl, jwksFile, pemFile.
  viewTokenKey:
    jwksUrl: https://localhost:9443/.well-known/jwks.json
  # If set, the iss your view data tokens must carry.
  # viewTokenIssuer: example-pensions
  tls:
    # The CA that issued your find/view server certificate (default: system store plus the cda-sim CA).
    # trustCaFile: ./my-test-ca.pem
    # The client certificate cda-sim presents to you (default: certs/cda-client.crt, issued by certs/ca.crt).
    # clientCertFile: ./certs/cda-client.crt
    # clientKeyFile: ./certs/cda-client.key
    insecureSkipVerify: false
  # Optional: a command run after the last view, before the reporting phase, that has your system
  # submit its daily reports (as --submit-reporting; implies --reporting).
  # submitReporting:
  #   command: ./scripts/submit-daily-reports.sh
  # Optional: how cda-sim clears your test data before a rehearsal.
  # clearDown:
  #   command: ./scripts/clear-test-data.sh
  #   url: https://localhost:9443/test/clear-down
# Time budgets, in milliseconds.
budgets:
  findAckMs: 5000             # find acknowledged with 202 within this
  registrationWindowMs: 60000 # PeIs registered within this after the find (MaPS's dashboard polls for 60 s)
  viewResponseMs: 10000       # views slower than this are reportable (reporting API)
  requestTimeoutMs: 30000
  updateWindowMs: 60000       # Stage 2 waits this long for the calls the update file asks for
  windowMs: 10800000          # the integration window: 3 hours (each phase's time is reported against it)
# Where cda-sim's own C&A listens (point your system's C&A base URL here).
simulator:
  host: 127.0.0.1
  httpsPort: 8443
  httpPort: 8081
  adminPort: 8088
  mtls: need
  journalCapMiB: 256        # disk space the journal may take, in MiB: the oldest exchanges rotate out beyond it
  strict: true              # false: requests breaking only cda-sim's own rules are accepted, each a warning in the reports (README "Strictness")
# Optional: a folder of OpenAPI files (YAML or JSON), for example the official ones from PDP's
# download, that validation follows instead of cda-sim's built-in documents, operation by operation
# (README "Spec profiles"). Relative to this file; --spec-dir wins.
# specDir: ./pdp-specs
# Optional: test cases whose expected outcome rests on a matching rule your written matching policy
# does not follow (only the cases marked policy-dependent; README "Matching rules the test data assumes").
# matchingPolicy:
#   notApplicable:
#     - id: S1-11
#       why: our policy never matches on a self-asserted NINO alone
`;
