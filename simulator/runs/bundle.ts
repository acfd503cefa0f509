// A run bundle: one file that carries a run to another machine (PDP support, a colleague, a bug
// report). Format: a gzip'd POSIX tar whose files sit in one folder, cda-sim-run-<run id>/, laid out
// exactly as the run folder is (so an extracted bundle is a run folder):
//   bundle.json            the manifest: format "cda-sim-bundle", formatVersion, run id, when and by
//                          which cda-sim it was made, the redaction rule, and every file's size and sha256
//   results.json, junit.xml, report.html, report.pdf
//   journal.ndjson, config.json, options.json, versions.json, scenarios/<id>.json, inputs/*.json
//   and anything else the run folder keeps (a Stage 2 update file, a replay's comparison), but
//   never a key file
// Everything is redacted on the way out (see redact.ts): no private key, secret or usable token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { packageVersion } from '../core/paths.js';
import type { RunResults } from '../scenarios/run-results.js';
import { writePdf } from '../reports/pdf.js';
import type { JournalEntry } from '../store/journal.js';
import type { ScenarioFile } from '../scenarios/types.js';
import type { TestUser } from '../testdata/users.js';
import type { TestDataPack } from '../testdata/records.js';
import { readResults, runDir, runsDir } from './run-store.js';
import { filesUnder, readRunJournal, RUN_FILES, writeFileAtomic, type RecordedConfig, type RecordedOptions, type Versions } from './run-record.js';
import { Redactor } from './redact.js';
import { createTarGz, MAX_ARCHIVE_BYTES, readTarGz, type TarFile } from './tar.js';
import { nameProblem, pathProblem, printable } from './names.js';

export const BUNDLE_FORMAT = 'cda-sim-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const MANIFEST = 'bundle.json';

export const REDACTION_RULE =
  'Every JWS keeps its header and claims but not its signature; encrypted tokens (JWE), compatibility-mode token wrappers, other credential values, Bearer tokens, challenge tickets and credentials in URLs or forms are replaced by a placeholder [redacted:KIND:N], the same N for the same value throughout the bundle; PEM private keys and private JWK members are removed.';

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  runId: string;
  createdAt: string;
  createdBy: string;
  redaction: string;
  /** Files of the run that did not exist when the bundle was made (e.g. a run kept by an older cda-sim). */
  missing: string[];
  /** Files of the run left out because a bundle may not carry their names (see names.ts). */
  leftOut?: string[];
  files: { name: string; bytes: number; sha256: string }[];
  /** The spec profile the run was recorded under (its label), and with --spec-dir the files with their digests. */
  profile?: string;
  spec?: RunResults['run']['spec'];
}

export interface Bundle {
  file: string;
  manifest: BundleManifest;
  results: RunResults;
  journal: JournalEntry[];
  scenarios: ScenarioFile[];
  users?: { users: TestUser[] };
  testData?: TestDataPack;
  config?: RecordedConfig;
  options?: RecordedOptions;
  versions?: Versions;
  /** The reports, by file name (junit.xml, report.html, report.pdf). */
  reports: Record<string, Buffer>;
  /** Every file of the run, by its name in the run folder (the manifest excepted). */
  files: Map<string, Buffer>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function jsonText(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, null, 2));
}

/** A JSON file redacted field by field; one that does not parse is redacted as text. */
function redactedJson(data: Buffer, r: Redactor): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch {
    return Buffer.from(r.text(data.toString('utf8')));
  }
  return jsonText(r.value(parsed));
}

/**
 * The run folder's files, redacted, as archive members (names relative to the run folder). One
 * redactor for them all: a secret gets the same placeholder in the journal, the results and the reports.
 */
async function redactedRunFiles(dir: string, results: RunResults): Promise<{ files: TarFile[]; missing: string[] }> {
  const r = new Redactor();
  const files: TarFile[] = [];
  const missing: string[] = [];
  const read = (name: string): Buffer | undefined => {
    if (fs.existsSync(path.join(dir, name))) return fs.readFileSync(path.join(dir, name));
    missing.push(name);
    return undefined;
  };

  const redactedResults = r.value(results) as RunResults;
  const resultsChanged = JSON.stringify(redactedResults) !== JSON.stringify(results);
  files.push({ name: RUN_FILES.results, data: jsonText(redactedResults) });

  const journal = readRunJournal(dir);
  if (fs.existsSync(path.join(dir, RUN_FILES.journal))) {
    files.push({ name: RUN_FILES.journal, data: Buffer.from(journal.map((e) => JSON.stringify(r.value(e)) + '\n').join('')) });
  } else missing.push(RUN_FILES.journal);

  for (const name of [RUN_FILES.config, RUN_FILES.options, RUN_FILES.versions, RUN_FILES.users, RUN_FILES.testData]) {
    const data = read(name);
    if (data) files.push({ name, data: redactedJson(data, r) });
  }
  const scenariosDir = path.join(dir, RUN_FILES.scenarios);
  if (fs.existsSync(scenariosDir)) {
    for (const f of fs.readdirSync(scenariosDir).filter((n) => n.endsWith('.json')).sort()) {
      files.push({ name: `${RUN_FILES.scenarios}/${f}`, data: redactedJson(fs.readFileSync(path.join(scenariosDir, f)), r) });
    }
  } else missing.push(`${RUN_FILES.scenarios}/`);

  for (const name of RUN_FILES.reports) {
    if (name === 'report.pdf' && resultsChanged) {
      // The PDF's text cannot be redacted in place: draw it again from the redacted results.
      const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-bundle-')), name);
      await writePdf(redactedResults, tmp);
      files.push({ name, data: fs.readFileSync(tmp) });
      fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
      continue;
    }
    const data = read(name);
    if (data) files.push({ name, data: name.endsWith('.pdf') ? data : Buffer.from(r.text(data.toString('utf8'))) });
  }
  // Whatever else the run keeps (a Stage 2 update file, a replay's comparison, …) goes too, redacted.
  const taken = new Set(files.map((f) => f.name));
  // Key material never travels, whatever put it there.
  const keep = (n: string) => !taken.has(n) && !n.endsWith('.tmp') && !/\.(key|pem|p12|pfx)$/i.test(n);
  for (const name of filesUnder(dir).filter(keep).sort()) {
    const data = fs.readFileSync(path.join(dir, name));
    if (name.endsWith('.json')) files.push({ name, data: redactedJson(data, r) });
    else if (/\.(ndjson|csv|txt|xml|html|md|ya?ml)$/.test(name)) files.push({ name, data: Buffer.from(r.text(data.toString('utf8'))) });
    else files.push({ name, data });
  }
  return { files, missing };
}

/** Write one run of the state directory as a bundle file. */
export async function exportRun(stateDir: string, runId: string, outFile: string, now = new Date()): Promise<{ file: string; bytes: number; manifest: BundleManifest }> {
  const dir = runDir(stateDir, runId);
  if (!fs.existsSync(dir)) throw new Error(`no run "${runId}" in ${runsDir(stateDir)} (\`cda-sim runs\` lists them)`);
  const results = readResults(dir);
  if (!results) throw new Error(`the run "${runId}" has no results.json: it is under way or was cut short, so there is nothing to export yet`);
  const folder = `cda-sim-run-${runId}`;
  const idProblem = nameProblem(folder);
  if (idProblem) throw new Error(`the run id "${printable(runId)}" cannot name a bundle's folder: "${printable(folder)}" ${idProblem}`);
  const redacted = await redactedRunFiles(dir, results);
  // A file whose name a bundle may not carry (a reader would refuse the bundle) stays behind, and is said.
  const files = redacted.files.filter((f) => !pathProblem(`${folder}/${f.name}`));
  const leftOut = redacted.files.filter((f) => !files.includes(f)).map((f) => f.name);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    runId,
    createdAt: now.toISOString(),
    createdBy: `cda-sim ${packageVersion()}`,
    redaction: REDACTION_RULE,
    missing: redacted.missing,
    ...(leftOut.length ? { leftOut } : {}),
    files: files.map((f) => ({ name: f.name, bytes: f.data.length, sha256: sha256(f.data) })),
    profile: results.run.profile,
    ...(results.run.spec ? { spec: results.run.spec } : {}),
  };
  const archive = createTarGz([{ name: MANIFEST, data: jsonText(manifest) }, ...files].map((f) => ({ name: `${folder}/${f.name}`, data: f.data })), now);
  writeFileAtomic(outFile, archive);
  return { file: outFile, bytes: archive.length, manifest };
}

/**
 * Why a manifest does not describe its archive, or undefined: every member but the manifest is
 * listed once, by a safe name, with the sha256 of what the archive holds (a member added, swapped
 * or damaged after export is named).
 */
function checkManifest(manifest: BundleManifest, byName: Map<string, Buffer>): string | undefined {
  const listed = new Set<string>();
  for (const f of manifest.files) {
    const name = (f as { name?: unknown })?.name;
    if (typeof name !== 'string') return `${MANIFEST} "files" has an entry without a name`;
    const why = pathProblem(name);
    if (why) return `${MANIFEST} lists "${printable(name)}", which ${why}`;
    if (listed.has(name)) return `${MANIFEST} lists "${printable(name)}" twice`;
    listed.add(name);
    const data = byName.get(name);
    if (!data) return `${name}, listed in ${MANIFEST}, is not in the archive`;
    if (sha256(data) !== f.sha256) return `${name} does not match its sha256 in ${MANIFEST} (the file was changed or damaged)`;
  }
  const unlisted = [...byName.keys()].find((n) => n !== MANIFEST && !listed.has(n));
  return unlisted === undefined ? undefined : `the entry "${printable(unlisted)}" is not listed in ${MANIFEST} (a bundle's files all are, with their sha256)`;
}

/** Why the run id or a scenario id (each becomes a file name on replay or inspect) is unsafe, or undefined. */
function checkIds(manifest: BundleManifest, results: RunResults, scenarios: ScenarioFile[]): string | undefined {
  const runId = results?.run?.id;
  const named = (what: string, value: unknown) => {
    const why = nameProblem(value);
    return why && `${what} "${printable(String(value))}" ${why}`;
  };
  const bad = named(`${MANIFEST} "runId"`, manifest.runId) ?? named(`${RUN_FILES.results} run id`, runId);
  if (bad) return bad;
  if (runId !== manifest.runId) return `${RUN_FILES.results} is for run "${printable(runId)}" but ${MANIFEST} says "${printable(manifest.runId)}"`;
  const ids = new Set<string>();
  for (const s of scenarios) {
    const why = named('the scenario id', s?.id);
    if (why) return why;
    if (ids.has(s.id)) return `the scenario id "${s.id}" appears twice`;
    ids.add(s.id);
  }
  return undefined;
}

/** The archive's members: sized before it is read (a device, a folder or a huge file is never read), then unpacked within the caps. */
function readMembers(file: string, fail: (why: string) => never): TarFile[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    return fail((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (err as Error).message);
  }
  if (!stat.isFile()) return fail('it is not a regular file');
  if (stat.size > MAX_ARCHIVE_BYTES) return fail(`it is ${stat.size.toLocaleString('en-GB')} bytes; a bundle is at most ${MAX_ARCHIVE_BYTES / (1024 * 1024)} MiB`);
  try {
    return readTarGz(fs.readFileSync(file));
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** The members by their name in the run folder, and the manifest; a bundle carries one folder and nothing else. */
function runFolderOf(members: TarFile[], fail: (why: string) => never): { byName: Map<string, Buffer>; manifestData: Buffer } {
  const manifests = members.filter((m) => m.name === MANIFEST || m.name.endsWith(`/${MANIFEST}`));
  if (!manifests.length) return fail(`it has no ${MANIFEST} manifest (files: ${members.slice(0, 5).map((m) => printable(m.name)).join(', ') || 'none'})`);
  if (manifests.length > 1) return fail(`it has ${manifests.length} ${MANIFEST} manifests (${manifests.map((m) => printable(m.name)).join(', ')}); a bundle has one`);
  const folder = manifests[0].name.slice(0, -MANIFEST.length);
  if (folder.split('/').length > 2) return fail(`its ${MANIFEST} is nested too deep (${printable(manifests[0].name)}); a bundle keeps it in its one top folder`);
  const stray = members.find((m) => !m.name.startsWith(folder));
  if (stray) return fail(`the entry "${printable(stray.name)}" is outside the bundle's folder "${printable(folder)}"`);
  return { byName: new Map(members.map((m) => [m.name.slice(folder.length), m.data])), manifestData: manifests[0].data };
}

/** Read and check a bundle file, all of it, before anything is written. Every error says what is wrong with the file. */
export function readBundle(file: string): Bundle {
  const fail = (why: string): never => {
    throw new Error(`${file} is not a readable cda-sim bundle: ${why}`);
  };
  const { byName, manifestData } = runFolderOf(readMembers(file, fail), fail);
  const parse = <T>(name: string, data: Buffer): T => {
    try {
      return JSON.parse(data.toString('utf8')) as T;
    } catch (err) {
      return fail(`${name} is not valid JSON (${(err as Error).message})`);
    }
  };
  const manifest = parse<BundleManifest>(MANIFEST, manifestData);
  if (manifest.format !== BUNDLE_FORMAT) fail(`${MANIFEST} "format" is ${JSON.stringify(manifest.format)}; a cda-sim bundle says "${BUNDLE_FORMAT}"`);
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > BUNDLE_FORMAT_VERSION) {
    fail(`${MANIFEST} "formatVersion" is ${JSON.stringify(manifest.formatVersion)}; this cda-sim (${packageVersion()}) reads format version ${BUNDLE_FORMAT_VERSION} and older: use a newer cda-sim`);
  }
  if (!Array.isArray(manifest.files)) fail(`${MANIFEST} "files" must list the archive's files with their sha256`);
  const problem = checkManifest(manifest, byName);
  if (problem) fail(problem);
  const results = byName.get(RUN_FILES.results);
  if (!results) return fail(`it has no ${RUN_FILES.results}`);
  const json = <T>(name: string): T | undefined => {
    const data = byName.get(name);
    return data ? parse<T>(name, data) : undefined;
  };
  const journalText = byName.get(RUN_FILES.journal)?.toString('utf8') ?? '';
  const journal = journalText
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      try {
        return JSON.parse(line) as JournalEntry;
      } catch {
        return fail(`${RUN_FILES.journal} line ${i + 1} is not JSON`);
      }
    });
  const scenarios = [...byName.keys()]
    .filter((n) => n.startsWith(`${RUN_FILES.scenarios}/`) && n.endsWith('.json'))
    .sort()
    .map((n) => json<ScenarioFile>(n)!);
  const parsedResults = parse<RunResults>(RUN_FILES.results, results);
  const idProblem = checkIds(manifest, parsedResults, scenarios);
  if (idProblem) fail(idProblem);
  const reports: Record<string, Buffer> = {};
  for (const name of RUN_FILES.reports) {
    const data = byName.get(name);
    if (data) reports[name] = data;
  }
  return {
    file,
    manifest: { ...manifest, missing: Array.isArray(manifest.missing) ? manifest.missing : [] },
    results: parsedResults,
    journal,
    scenarios,
    users: json(RUN_FILES.users),
    testData: json(RUN_FILES.testData),
    config: json(RUN_FILES.config),
    options: json(RUN_FILES.options),
    versions: json(RUN_FILES.versions),
    reports,
    files: new Map([...byName].filter(([name]) => name !== MANIFEST)),
  };
}

/**
 * Lay a bundle out as a state directory: its run in runs/<run id>/ (so `cda-sim runs` and anything
 * that reads the run store sees it) and its journal as the directory's journal.ndjson.
 */
export function unpackBundle(b: Bundle, stateDir: string): string {
  // readBundle checked every name; checked again here, as this is where a name becomes a file.
  const idProblem = nameProblem(b.results.run.id);
  if (idProblem) throw new Error(`the run id "${printable(String(b.results.run.id))}" ${idProblem}`);
  const dir = runDir(stateDir, b.results.run.id);
  for (const name of b.files.keys()) {
    const why = pathProblem(name);
    if (why) throw new Error(`the bundle's file "${printable(name)}" ${why}`);
  }
  for (const [name, data] of b.files) writeFileAtomic(path.join(dir, name), data);
  const journal = b.files.get(RUN_FILES.journal);
  if (journal) writeFileAtomic(path.join(stateDir, RUN_FILES.journal), journal);
  return dir;
}
