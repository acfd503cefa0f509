// Spec profiles (--spec-dir): the user's OpenAPI files are matched to the operations cda-sim plays
// by method and path template (the provider's find and view by what they carry), never by file
// name; validation follows them; what cannot be honoured is listed with why; a file that cannot be
// parsed is a usage error naming it. The spec sets here are written by the tests themselves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, type Simulator } from '../simulator/server/simulator.js';
import { BUILT_IN_PROFILE, loadSpecProfile, SpecDirError, type SpecProfile } from '../simulator/http/spec-profile.js';
import { checkAgainstSchema, checkViewData } from '../simulator/dashboard/view-data-check.js';
import { loadProviderConfig } from '../simulator/config/provider-config.js';
import { rehearse } from './helpers/rehearse.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { sharedMaterial, tempDir, uuid, peiName } from './helpers/fixtures.js';
import { writeSpecSet } from './helpers/spec-set.js';
import { cliProcess } from './helpers/cli-process.js';

/** The changes the validation tests rely on: a field, a length, an enum (C&A) and a limit (reporting). */
function changedSet(): string {
  return writeSpecSet(tempDir('cda-sim-spec-'), {
    ca: (doc) => {
      const reg = doc.components.schemas.PeiRegistration;
      reg.properties.description.maxLength = 10; // a length
      reg.properties.registration_reason = { type: 'string', enum: ['find'] }; // a field, required
      reg.required.push('registration_reason');
      doc.components.schemas.MatchStatus.enum = ['match-yes', 'match-possible', 'match-maybe']; // an enum
    },
    reporting: (doc) => {
      doc.components.schemas.ServiceAvailabilityReportData.properties.items.maxItems = 1;
    },
  });
}

async function simWith(profile?: SpecProfile): Promise<Simulator> {
  const { dir } = await sharedMaterial();
  return startSimulator({ stateDir: tempDir(), certsDir: dir, httpsPort: null, httpPort: 0, adminPort: null, profile });
}

async function register(sim: Simulator, body: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sim.endpoints.http}/rreguri`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Request-ID': uuid(), Authorization: 'Bearer not-a-pat' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

const registration = (extra: Record<string, unknown> = {}) => ({ name: peiName(), description: 'A scheme name of 27 letters', match_status: 'match-yes', resource_scopes: ['owner'], ...extra });
const fields = (r: { json: any }) => ((r.json?.errors ?? []) as { field: string; code: string }[]).map((e) => `${e.code} ${e.field}`);

test('every operation of a copied set is matched by method and path, whatever the files are called', () => {
  const profile = loadSpecProfile(writeSpecSet(tempDir('cda-sim-spec-')));
  assert.is(profile.id, 'spec-dir');
  const taken = profile.supplied.map((s) => `${s.api} ${s.what}`);
  for (const op of ['ca POST /token', 'ca POST /rreguri', 'ca PATCH /rreguri/{…}', 'ca DELETE /rreguri/{…}', 'ca POST /perm', 'ca POST /introspect', 'reporting POST /service-availability/find', 'reporting POST /configuration']) {
    assert.ok(taken.includes(op), `${op} taken (got ${taken.join(', ')})`);
  }
  assert.ok(profile.supplied.some((s) => s.api === 'find' && s.file === 'find-requests.yaml'), 'the find is matched by its find_request_token body, not its path');
  assert.ok(profile.supplied.some((s) => s.api === 'view-data' && s.file === 'view-data-payload.json'));
  assert.ok(profile.supplied.some((s) => s.api === 'view' && s.file === 'find-requests.yaml'), 'the view is matched by its view_data_token answer');
  assert.is(profile.view.okStatus, 200);
  assert.equal(checkAgainstSchema(profile.view.okBodySchema!, { view_data_token: 'x', extra: 1 }), ['extra is not allowed (the object is closed)']);
  assert.equal(checkAgainstSchema(profile.view.okBodySchema!, {}), ['view_data_token is required']);
  assert.equal(profile.find.ackStatuses, [202]);
  assert.equal(profile.notHonoured, []);
  assert.equal(profile.files.map((f) => [f.file, f.title, f.version]), [
    ['find-requests.yaml', 'Find requests (test-written)', '1.3-test'],
    ['official-token-and-rreguri.yaml', 'Token and registration API (test-written)', '2.1-test'],
    ['reporting-api.json', 'Reporting API (test-written)', '2.1-test'],
    ['view-data-payload.json', 'view_data', undefined],
  ]);
  for (const f of profile.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
  assert.match(profile.label, /Token and registration API \(test-written\) 2\.1-test/);
});

test('a supplied operation replaces the built-in one; the rest stay built in', () => {
  const dir = tempDir('cda-sim-spec-');
  fs.writeFileSync(
    path.join(dir, 'perm-only.yaml'),
    'openapi: 3.0.3\ninfo: {title: Perm, version: "1.1"}\npaths:\n  /perm/:\n    post:\n      requestBody: {required: true, content: {application/json: {schema: {type: array, maxItems: 1}}}}\n      responses: {"201": {description: ticket}}\n  /introspect:\n    $ref: "#/x-shared/introspect"\nx-shared:\n  introspect:\n    post:\n      responses: {"200": {description: ok}}\n',
  );
  const profile = loadSpecProfile(dir);
  assert.equal(profile.supplied.map((s) => s.what), ['POST /perm', 'POST /introspect'], 'a path item given by a $ref inside the file is followed');
  const paths = (profile.documents.ca as any).paths;
  assert.is(paths['/perm'].post.requestBody.content['application/json'].schema.maxItems, 1);
  assert.is(paths['/perm'].post.operationId, 'requestPermission', 'the handler is found by the built-in operationId');
  assert.ok(paths['/rreguri'].post.requestBody, 'the built-in registration stays');
  assert.is(profile.documents.reporting, undefined, 'nothing of reporting supplied: the built-in document serves');
});

test('C&A and reporting validation follow the supplied files: a field, a length and an enum', async () => {
  const builtIn = await simWith();
  const custom = await simWith(loadSpecProfile(changedSet()));
  try {
    // Built in: these bodies pass validation and reach the handler (401: no PAT); the profile refuses them, naming the field.
    const long = registration({ registration_reason: undefined });
    assert.is((await register(builtIn, long)).status, 401);
    const refused = await register(custom, long);
    assert.is(refused.status, 400);
    assert.ok(fields(refused).includes('INVALID_LENGTH description'), fields(refused).join());
    assert.ok(fields(refused).includes('MISSING_FIELD registration_reason'), fields(refused).join());
    // The new field is unknown to the built-in document, required by the supplied one.
    assert.equal(fields(await register(builtIn, registration({ description: 'Short', registration_reason: 'find' }))), ['UNKNOWN_FIELD registration_reason']);
    assert.is((await register(custom, registration({ description: 'Short', registration_reason: 'find' }))).status, 401);
    // The enum: a value only the supplied document allows.
    assert.equal(fields(await register(builtIn, registration({ match_status: 'match-maybe' }))), ['INVALID_VALUE match_status']);
    assert.is((await register(custom, registration({ description: 'Short', registration_reason: 'find', match_status: 'match-maybe' }))).status, 401);
    // Reporting: a limit the supplied document changed (a valid submission of two holdernames; the supplied maxItems is 1).
    const day = new Date().toISOString().slice(0, 10);
    const period = { start_date_ts: `${day}T00:00:00.000Z`, end_date_ts: `${day}T00:30:00.000Z`, unavail_scheduled: true, unavail_reason: 'planned maintenance' };
    const submission = () => ({ record_id: uuid(), submission_status: 'on time', reporting_period_start: `${day}T00:00:00.000Z`, submission_id: null, submission_reason: 'initial submission', items: [{ [uuid()]: [period] }, { [uuid()]: [period] }] });
    const report = async (sim: Simulator) => {
      const res = await fetch(`${sim.endpoints.http}/service-availability/find`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-ID': uuid() }, body: JSON.stringify(submission()) });
      return { status: res.status, text: await res.text() };
    };
    const accepted = await report(builtIn);
    assert.is(accepted.status, 202, accepted.text);
    const limited = await report(custom);
    assert.is(limited.status, 400, limited.text);
    assert.match(limited.text, /items/);
    assert.is(custom.profile.id, 'spec-dir');
    assert.is(builtIn.profile.id, BUILT_IN_PROFILE);
  } finally {
    await builtIn.close();
    await custom.close();
  }
});

test("a supplied operation's violations name its file, not the built-in document's plain-words rules", async () => {
  // A document with its own rules: a 40-character description with no minimum, any urn:pei: name.
  const dir = writeSpecSet(tempDir('cda-sim-spec-'), {
    ca: (doc) => {
      const reg = doc.components.schemas.PeiRegistration;
      reg.properties.description = { type: 'string', maxLength: 40 };
      reg.properties.name = { type: 'string', pattern: '^urn:pei:' };
      delete doc.paths['/token'].post.requestBody; // parameters in the query only
    },
  });
  const custom = await simWith(loadSpecProfile(dir));
  try {
    const refused = await register(custom, registration({ name: 'pei:x', description: 'x'.repeat(41) }));
    assert.is(refused.status, 400);
    const details = (refused.json.errors as { field: string; detail: string }[]).map((e) => `${e.field}: ${e.detail}`);
    assert.ok(details.includes('description: must be at most 40 character(s) long (official-token-and-rreguri.yaml)'), details.join(' | '));
    assert.ok(details.includes('name: does not match the required pattern (official-token-and-rreguri.yaml)'), details.join(' | '));
    // A token document with its parameters in the query only: a form body is still taken (MaPS sends one), and start-up says so.
    const form = await fetch(`${custom.endpoints.http}/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Request-ID': uuid() }, body: 'grant_type=x' });
    assert.equal(await form.json(), { error: 'unsupported_grant_type', error_description: 'grant_type "x" is not supported: use urn:ietf:params:oauth:grant-type:jwt-bearer (PAT) or urn:ietf:params:oauth:grant-type:uma-ticket (RPT)' });
    assert.ok(custom.profile.notHonoured.some((n) => n.where === 'POST /token' && /also taken as an application\/x-www-form-urlencoded body/.test(n.reason)));
  } finally {
    await custom.close();
  }
});

test('the view data schema follows the supplied file', () => {
  const dir = writeSpecSet(tempDir('cda-sim-spec-'), { viewData: (s) => s.definitions.definiteMatchArrangement.required.push('dataProvenance') });
  const profile = loadSpecProfile(dir);
  const record = loadTestData().records.find((r) => (r.viewData as any).arrangements?.[0]?.possibleMatch === false)!;
  const viewData = record.viewData;
  assert.equal(checkViewData(viewData, {}, new Date()).filter((v) => v.code === 'SCHEMA'), [], 'built in: valid');
  const problems = checkViewData(viewData, {}, new Date(), profile.viewDataSchema).filter((v) => v.code === 'SCHEMA');
  assert.ok(problems.some((p) => /dataProvenance/.test(p.detail)), JSON.stringify(problems));
});

test('what cannot be honoured is listed with the reason; the rest is still followed', () => {
  const dir = writeSpecSet(tempDir('cda-sim-spec-'), {
    extra: {
      'peis.yaml': 'openapi: 3.0.3\ninfo: {title: PeIs, version: "1"}\npaths:\n  /peis/{peis_id}:\n    get:\n      responses: {"200": {description: ok}}\n',
      'new.yaml': 'openapi: 3.1.0\ninfo: {title: New, version: "1"}\npaths: {}\n',
      'old.json': '{"swagger": "2.0", "info": {"title": "Old", "version": "1"}}',
      'refs.yaml': [
        'openapi: 3.0.3',
        'info: {title: Refs, version: "1"}',
        'paths:',
        '  /introspect:',
        '    post:',
        '      requestBody: {content: {application/json: {schema: {$ref: "common.yaml#/Token"}}}}',
        '      responses: {"200": {description: ok}}',
        '  /perm:',
        '    post:',
        '      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Missing"}}}}',
        '      responses: {"201": {description: ok}}',
        '  /token:',
        '    $ref: "other.yaml#/paths/~1token"',
        '  /rreguri:',
        '    post:',
        '      requestBody: {content: {application/json: {schema: {type: object, properties: {a: {type: string, pattern: "(["}}}}}}',
        '      responses: {"201": {description: ok}}',
      ].join('\n'),
      'notes.json': '["not", "a", "spec"]',
      'formats.yaml': 'openapi: 3.0.3\ninfo: {title: Formats, version: "1"}\npaths:\n  /perm:\n    post:\n      requestBody: {content: {application/json: {schema: {type: object, properties: {id: {type: string, format: guid}}}}}}\n      responses: {"201": {description: ok}}\n',
      'readme.yaml': 'just: a map\n',
    },
  });
  const profile = loadSpecProfile(dir);
  const listed = (file: string) => profile.notHonoured.filter((n) => n.file === file);
  assert.match(listed('peis.yaml')[0]?.reason ?? '', /plays no such operation/);
  assert.is(listed('peis.yaml')[0].where, 'GET /peis/{peis_id}');
  assert.match(listed('new.yaml')[0]?.reason ?? '', /OpenAPI 3\.1/);
  assert.match(listed('old.json')[0]?.reason ?? '', /Swagger 2\.0/);
  assert.match(listed('refs.yaml').find((n) => n.where === 'POST /introspect')?.reason ?? '', /outside the file/);
  assert.match(listed('refs.yaml').find((n) => n.where === '/token')?.reason ?? '', /the path item's \$ref "other\.yaml#\/paths\/~1token" cannot be resolved inside the file/);
  assert.match(listed('refs.yaml').find((n) => n.where === 'POST /perm')?.reason ?? '', /points at nothing/);
  assert.match(listed('refs.yaml').find((n) => n.where === 'POST /rreguri')?.reason ?? '', /cannot compile/);
  assert.match(listed('notes.json')[0]?.reason ?? '', /neither an OpenAPI document/);
  // A format cda-sim does not know: listed, and the rest of the operation followed.
  assert.equal(listed('formats.yaml').map((n) => `${n.where}: ${n.reason}`), ['POST /perm: format "guid" is not one cda-sim knows, so it is not checked (the rest is followed)']);
  assert.ok(profile.supplied.some((s) => s.what === 'POST /perm' && s.file === 'formats.yaml'));
  assert.match(listed('readme.yaml')[0]?.reason ?? '', /not an OpenAPI 3\.0 document/);
  // The copied set is still followed: refs.yaml's /rreguri was refused, so the copy's stands.
  assert.ok(profile.supplied.some((s) => s.what === 'POST /rreguri' && s.file === 'official-token-and-rreguri.yaml'));
});

test('specDir in the config file is relative to the config file', () => {
  const dir = tempDir();
  writeSpecSet(path.join(dir, 'pdp-specs'));
  const config = path.join(dir, 'cda-sim.config.yaml');
  const guid = uuid();
  fs.writeFileSync(config, `provider:\n  findUrl: https://localhost:9443/find\n  viewUrl: https://localhost:9443/view\n  holdernameGuids: [${guid}]\n  viewTokenKey: {jwksUrl: https://localhost:9443/jwks}\nspecDir: ./pdp-specs\n`);
  const loaded = loadProviderConfig(config);
  assert.is(loaded.specDir, path.join(dir, 'pdp-specs'));
  assert.is(loadSpecProfile(loaded.specDir!).files.length, 4);
});

test('a config file whose specDir is not a folder: exit 2 naming specDir, not an option that was not given', async () => {
  const dir = tempDir();
  const { dir: certs } = await sharedMaterial();
  const config = path.join(dir, 'cda-sim.config.yaml');
  fs.writeFileSync(config, `provider:\n  findUrl: https://localhost:9443/find\n  viewUrl: https://localhost:9443/view\n  holdernameGuids: [${uuid()}]\n  viewTokenKey: {jwksUrl: https://localhost:9443/jwks}\nspecDir: ./no-such-folder\n`);
  const r = await cliProcess(['rehearse', '--ci', '--config', config, '--state-dir', path.join(dir, 'state'), '--certs-dir', certs], dir);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /specDir \(config file\) \S*no-such-folder: no such folder/);
  assert.not.match(r.stderr, /--spec-dir/);
});

test('a run paused after Stage 1 resumes under the same spec folder', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const stateDir = tempDir();
  const specDir = writeSpecSet(tempDir('cda-sim-spec-'), { findAck: ['200'] });
  const first = await rehearse({ stateDir, certsDir, specDir, applyUpdates: { stop: true }, only: ['S1-01', 'S2-01'], budgets: { updateWindowMs: 2000 }, progress: () => {} });
  assert.ok(first.paused, 'paused');
  assert.is(first.results.testCases.find((t) => t.id === 'S1-01')!.verdict, 'fail', 'the supplied acknowledgement status judges Stage 1');
  // Resumed by another call that names no folder: the paused run's own is used.
  const resumed = await rehearse({ stateDir, certsDir, resumeRunId: first.paused!.runId, progress: () => {} });
  assert.equal(resumed.results.run.spec?.files.map((f) => f.file), first.results.run.spec!.files.map((f) => f.file));
  assert.match(resumed.results.run.profile, /^spec-dir: /);
});

test('a file that cannot be parsed is an error naming it', () => {
  const dir = writeSpecSet(tempDir('cda-sim-spec-'), { extra: { 'broken.yaml': 'openapi: 3.0.3\npaths:\n  /token: [unclosed\n' } });
  assert.throws(() => loadSpecProfile(dir), (err: Error) => err instanceof SpecDirError && /broken\.yaml cannot be parsed as YAML/.test(err.message));
  // The parser's first line, without the colon that introduced its code excerpt.
  const implicitKey = writeSpecSet(tempDir('cda-sim-spec-'), { extra: { 'broken.yaml': 'openapi: 3.0.3\ninfo: {title: x\n  bad: [\n' } });
  assert.throws(() => loadSpecProfile(implicitKey), (err: Error) => /^--spec-dir: broken\.yaml cannot be parsed as YAML: .*line 2, column \d+$/.test(err.message));
  assert.throws(() => loadSpecProfile(path.join(dir, 'nope')), /no such folder/);
  assert.throws(() => loadSpecProfile(tempDir('cda-sim-empty-')), /holds no \.yaml, \.yml or \.json file/);
});

test('cda-sim start and rehearse: an unparseable spec file exits 2 before anything is touched; start prints the profile', async () => {
  const cwd = tempDir();
  const { dir: certs } = await sharedMaterial();
  const bad = writeSpecSet(path.join(cwd, 'spec-bad'), { extra: { 'broken.json': '{"openapi": ' } });
  for (const command of ['start', 'rehearse']) {
    const state = path.join(cwd, `state-${command}`);
    const r = await cliProcess([command, '--spec-dir', bad, '--state-dir', state, '--certs-dir', certs, '--ci'].filter((a) => command === 'rehearse' || a !== '--ci'), cwd);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /broken\.json cannot be parsed as JSON/);
    assert.not.ok(fs.existsSync(state), `${command}: the state directory is not created`);
  }
  const good = writeSpecSet(path.join(cwd, 'spec-good'), { extra: { 'peis.yaml': 'openapi: 3.0.3\ninfo: {title: PeIs, version: "1"}\npaths:\n  /peis:\n    get:\n      responses: {"200": {description: ok}}\n' } });
  const { spawnSim } = await import('./helpers/spawn-sim.js');
  const sim = await spawnSim(['--spec-dir', good, '--state-dir', path.join(cwd, 'state-ok'), '--certs-dir', certs, '--https-port', '0', '--http-port', '0', '--admin-port', '0']);
  try {
    const out = sim.output();
    assert.match(out, /profile spec-dir: /);
    assert.match(out, /official-token-and-rreguri\.yaml: Token and registration API \(test-written\), version 2\.1-test, sha256 [0-9a-f]{64}/);
    assert.match(out, /NOT HONOURED peis\.yaml: GET \/peis: cda-sim plays no such operation/);
    const status = (await (await fetch(`${sim.admin}/admin/status`)).json()) as { profile: string };
    assert.match(status.profile, /^spec-dir: /);
  } finally {
    await sim.stop();
  }
});

test.run();
