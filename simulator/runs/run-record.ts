// What a run keeps beside its reports, so it can be exported, inspected and replayed elsewhere:
//   journal.ndjson         every exchange of the run (the live journal is cleared when a run starts,
//                          so the run keeps its own copy, appended as each exchange happens)
//   scenarios/<id>.json    the scenario files played
//   inputs/test-users.json, inputs/testdata.json   the test users and test data pack used
//   config.json            the provider config, with private keys and secrets removed
//   options.json           how cda-sim itself played the run (driver faults, compatibility mode)
//   versions.json          cda-sim, spec profile, Node.js, the OpenAPI documents' digests
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openapiDir, packageRoot, packageVersion } from '../core/paths.js';
import { BUILT_IN_PROFILE, type ProfileRecord } from '../http/spec-profile.js';
import type { ProviderConfig } from '../config/provider-config.js';
import type { Journal, JournalEntry } from '../store/journal.js';
import type { ScenarioFile } from '../scenarios/types.js';
import type { TestUser } from '../testdata/users.js';
import type { TestDataPack } from '../testdata/records.js';
import { redactValue } from './redact.js';
import type { SoakShapeArgs } from '../soak/shape.js';

export const RUN_FILES = {
  results: 'results.json',
  journal: 'journal.ndjson',
  config: 'config.json',
  options: 'options.json',
  versions: 'versions.json',
  scenarios: 'scenarios',
  users: 'inputs/test-users.json',
  testData: 'inputs/testdata.json',
  reports: ['junit.xml', 'report.html', 'report.pdf'],
} as const;

/** The provider config as a run keeps it: no secrets, no private keys, no machine paths. */
export interface RecordedConfig {
  /** True when cda-sim's built-in reference provider played the provider. */
  referenceProvider: boolean;
  /** The reference provider's deliberate defects, if any (cda-sim's own tests). */
  referenceFaults?: string[];
  provider: ProviderConfig['provider'];
  budgets: ProviderConfig['budgets'];
  simulator?: ProviderConfig['simulator'];
}

export interface Versions {
  cdaSim: string;
  /** The spec profile's label. */
  profile: string;
  /** With --spec-dir: the user's files and their digests, what was followed and what was not honoured. */
  spec?: ProfileRecord;
  node: string;
  platform: string;
  /** sha256 (first 16 hex) of each OpenAPI document and schema that routed and validated the run. */
  openapi: Record<string, string>;
  dependencies: Record<string, string>;
}

/** Write through a temp file, so a reader never sees half a file. Private: runs and bundles hold tokens. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

const digest = (data: Buffer | string) => createHash('sha256').update(data).digest('hex').slice(0, 16);

/** Every regular file under a folder, '/'-separated and relative to it. */
export function filesUnder(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  });
}

export function currentVersions(profile?: ProfileRecord): Versions {
  const openapi: Record<string, string> = {};
  for (const f of filesUnder(openapiDir).sort()) openapi[f] = digest(fs.readFileSync(path.join(openapiDir, f)));
  const dependencies: Record<string, string> = {};
  for (const dep of ['express', 'jose', 'openapi-backend', 'pdfkit', 'selfsigned']) {
    // Installed with npx the dependencies may sit elsewhere; then they are simply not listed.
    try {
      dependencies[dep] = JSON.parse(fs.readFileSync(path.join(packageRoot, 'node_modules', dep, 'package.json'), 'utf8')).version;
    } catch {
      // not found beside the package
    }
  }
  const spec = profile && profile.id !== BUILT_IN_PROFILE ? { spec: profile } : {};
  return { cdaSim: packageVersion(), profile: profile?.label ?? BUILT_IN_PROFILE, ...spec, node: process.version, platform: `${process.platform}-${process.arch}`, openapi, dependencies };
}

/** File settings keep only their file name: the folder says nothing to another machine and may name a person. */
function baseNames<T extends Record<string, unknown>>(o: T | undefined, keys: string[]): T | undefined {
  if (!o) return o;
  const out: Record<string, unknown> = { ...o };
  for (const k of keys) if (typeof out[k] === 'string') out[k] = path.basename(out[k] as string);
  return out as T;
}

export function recordedConfig(config: ProviderConfig, referenceFaults?: string[]): RecordedConfig {
  const p = config.provider;
  const provider = {
    ...p,
    viewTokenKey: baseNames(p.viewTokenKey, ['jwksFile', 'pemFile'])!,
    ...(p.tls ? { tls: { ...baseNames(p.tls, ['trustCaFile', 'clientCertFile'])!, ...(p.tls.clientKeyFile ? { clientKeyFile: '[private key file: not recorded]' } : {}) } } : {}),
  };
  return redactValue({
    referenceProvider: referenceFaults !== undefined,
    ...(referenceFaults?.length ? { referenceFaults } : {}),
    provider,
    budgets: config.budgets,
    ...(config.simulator ? { simulator: config.simulator } : {}),
  }) as RecordedConfig;
}

/** The rehearsal options that change what cda-sim sends or answers: a replay plays them again. */
export interface RecordedOptions {
  driverFaults?: string[];
  compat?: string;
  /** False when the run accepted own-rule violations as warnings (--strict=false). */
  strict?: boolean;
  systemTest?: Record<string, number>;
  /** Groups of test cases played at once (`--concurrency`), when the run chose it. */
  caseConcurrency?: number;
  /** The soak phase's options as given (`rehearse --soak`): a replay plays the soak again. */
  soak?: SoakShapeArgs;
}

export interface RunRecordInputs {
  journal: Journal;
  scenarios: ScenarioFile[];
  users: TestUser[];
  testData: TestDataPack;
  config: ProviderConfig;
  /** Given (possibly empty) when the built-in reference provider played the provider. */
  referenceFaults?: string[];
  options?: RecordedOptions;
  /** The spec profile the run validates with. */
  profile?: ProfileRecord;
  /**
   * Exchanges journalled before this process took the run on (a run resumed after a pause): those
   * the run's journal does not hold yet are appended first.
   */
  earlier?: JournalEntry[];
}

/**
 * Start keeping a run's own record in its folder: the inputs now, and every journal entry as it is
 * written (so a run cut short still has the exchanges it made).
 */
export function startRunRecord(dir: string, r: RunRecordInputs): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const s of r.scenarios) writeFileAtomic(path.join(dir, RUN_FILES.scenarios, `${s.id}.json`), JSON.stringify(s, null, 2));
  writeFileAtomic(path.join(dir, RUN_FILES.users), JSON.stringify({ users: r.users }, null, 2));
  writeFileAtomic(path.join(dir, RUN_FILES.testData), JSON.stringify(r.testData, null, 2));
  writeFileAtomic(path.join(dir, RUN_FILES.config), JSON.stringify(recordedConfig(r.config, r.referenceFaults), null, 2));
  writeFileAtomic(path.join(dir, RUN_FILES.versions), JSON.stringify(currentVersions(r.profile), null, 2));
  writeFileAtomic(path.join(dir, RUN_FILES.options), JSON.stringify(r.options ?? {}, null, 2));
  const journalFile = path.join(dir, RUN_FILES.journal);
  if (r.earlier?.length) {
    const key = (e: JournalEntry) => `${e.seq}|${e.time}`;
    const held = new Set(readRunJournal(dir).map(key));
    const missing = r.earlier.filter((e) => !held.has(key(e)));
    if (missing.length) fs.appendFileSync(journalFile, missing.map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
  }
  // Appended (open, write, close) per entry: nothing to close when the run ends, and each line is
  // on disk as soon as the exchange is journalled. The journal's own line is copied, not made again.
  r.journal.on('entry', (_e: JournalEntry, line: string) => fs.appendFileSync(journalFile, line, { mode: 0o600 }));
}

export function readRunJournal(dir: string): JournalEntry[] {
  const file = path.join(dir, RUN_FILES.journal);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JournalEntry];
      } catch {
        return []; // a torn last line after a crash
      }
    });
}
