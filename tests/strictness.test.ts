// cda-sim's own rules (where it is stricter than the official documents): every one is listed here,
// tagged in its OpenAPI document, refused with --strict (the default) with a detail that says it is
// cda-sim's own rule, and accepted with --strict=false, the violation a warning in the journal entry.
// A tag removed from a document, or a new one added without a case here, fails the first test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import YAML from 'yaml';
import { ManualClock } from '../simulator/core/clock.js';
import { openapiDir, packageRoot } from '../simulator/core/paths.js';
import { loadApi } from '../simulator/http/spec-app.js';
import { listOwnRules, withoutOwnRules } from '../simulator/http/own-rules.js';
import { Journal, type JournalEntry } from '../simulator/store/journal.js';
import { createReportingApp, REPORTING_SPEC } from '../simulator/reporting/reporting-app.js';
import { REPORTING_OWN_RULES } from '../simulator/reporting/rules.js';
import { SubmissionStore } from '../simulator/reporting/submissions.js';
import { rehearse } from './helpers/rehearse.js';
import { exportRun, readBundle } from '../simulator/runs/bundle.js';
import { replayBundle } from './helpers/rehearse.js';
import { caHarness, type CaHarness } from './helpers/ca-harness.js';
import { ContractChecker } from './helpers/contract.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

const OWN_RULE_WORDS = "cda-sim's own rule";
const DAY = '2026-05-01';

async function reportingHarness(strict: boolean) {
  const dir = tempDir('cda-sim-strict-');
  const clock = new ManualClock(Date.parse(`${DAY}T09:00:00.000Z`));
  const journal = new Journal(dir, () => clock.now());
  const submissions = SubmissionStore.open(dir);
  const api = await loadApi(REPORTING_SPEC);
  const contract = new ContractChecker(api).watch(journal);
  const app = await createReportingApp({ clock, journal, submissions, api, strict });
  return { journal, submissions, contract, request: supertest(app), close: () => (submissions.close(), journal.close()) };
}

interface Env {
  ca: CaHarness;
  pat: string;
  /** A match-possible PeI of the PAT's user, for PATCH. */
  possible: string;
  reporting: Awaited<ReturnType<typeof reportingHarness>>;
}

const availability = (over: Record<string, unknown>) => ({
  record_id: randomUUID(),
  submission_status: 'on time',
  reporting_period_start: `${DAY}T00:00:00.000Z`,
  submission_id: null,
  submission_reason: 'initial submission',
  items: [{ [randomUUID()]: [{ start_date_ts: `${DAY}T02:00:00.000Z`, end_date_ts: `${DAY}T02:30:00.000Z`, unavail_scheduled: true, unavail_reason: 'planned maintenance' }] }],
  ...over,
});

interface OwnRuleCase {
  title: string;
  document: 'ca.yaml' | 'reporting.yaml';
  pointer: string;
  keyword: string;
  /** The field the violation names. */
  field: string;
  send(e: Env): supertest.Test;
  /** Whether the request changed anything (a refused one must not). */
  changed(e: Env, before: number): boolean;
}

const caPost = (e: Env, path: string, body: object) => e.ca.request.post(path).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${e.pat}`).send(body);
const registration = (over: Record<string, unknown>) => ({ name: `urn:pei:${randomUUID()}:${randomUUID()}`, description: 'CDA-SIM TEST SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value', 'delegate'], ...over });
const registered = (e: Env, before: number) => e.ca.store.resources().length > before;
const promoted = (e: Env) => e.ca.store.resource(e.possible)!.match_status === 'match-yes';
const ticketIssued = () => false; // a ticket changes no state: the status says it all
const stored = (e: Env, before: number) => e.reporting.submissions.all().length > before;

const CASES: OwnRuleCase[] = [
  { title: 'POST /rreguri: a field the document does not name', document: 'ca.yaml', pointer: '/components/schemas/PeiRegistration', keyword: 'additionalProperties', field: 'registration_reason', send: (e) => caPost(e, '/rreguri', registration({ registration_reason: 'find' })), changed: registered },
  { title: 'POST /rreguri: a description over 1,000 characters', document: 'ca.yaml', pointer: '/components/schemas/PeiRegistration/properties/description', keyword: 'maxLength', field: 'description', send: (e) => caPost(e, '/rreguri', registration({ description: 'S'.repeat(1001) })), changed: registered },
  { title: 'POST /rreguri: an inbound_request_id that is not a UUID', document: 'ca.yaml', pointer: '/components/schemas/PeiRegistration/properties/inbound_request_id', keyword: 'format', field: 'inbound_request_id', send: (e) => caPost(e, '/rreguri', registration({ inbound_request_id: 'find-0042' })), changed: registered },
  { title: 'POST /rreguri: no scopes', document: 'ca.yaml', pointer: '/components/schemas/PeiRegistration/properties/resource_scopes', keyword: 'minItems', field: 'resource_scopes', send: (e) => caPost(e, '/rreguri', registration({ resource_scopes: [] })), changed: registered },
  { title: 'POST /rreguri: a repeated scope', document: 'ca.yaml', pointer: '/components/schemas/PeiRegistration/properties/resource_scopes', keyword: 'uniqueItems', field: 'resource_scopes', send: (e) => caPost(e, '/rreguri', registration({ resource_scopes: ['owner', 'owner'] })), changed: registered },
  { title: 'PATCH /rreguri/{id}: a field the document does not name', document: 'ca.yaml', pointer: '/components/schemas/PeiUpdate', keyword: 'additionalProperties', field: 'reason', send: (e) => e.ca.request.patch(`/rreguri/${e.possible}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${e.pat}`).send({ match_status: 'match-yes', reason: 'confirmed' }), changed: promoted },
  { title: 'PATCH /rreguri/{id}: an inbound_request_id that is not a UUID', document: 'ca.yaml', pointer: '/components/schemas/PeiUpdate/properties/inbound_request_id', keyword: 'format', field: 'inbound_request_id', send: (e) => e.ca.request.patch(`/rreguri/${e.possible}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${e.pat}`).send({ match_status: 'match-yes', inbound_request_id: 'update-7' }), changed: promoted },
  { title: 'POST /perm: a field the document does not name', document: 'ca.yaml', pointer: '/components/schemas/PermissionRequest', keyword: 'additionalProperties', field: 'purpose', send: (e) => caPost(e, '/perm', { resource_id: e.possible, resource_scopes: ['value', 'owner'], purpose: 'view' }), changed: ticketIssued },
  { title: 'POST /perm: a repeated scope', document: 'ca.yaml', pointer: '/components/schemas/PermissionRequest/properties/resource_scopes', keyword: 'uniqueItems', field: 'resource_scopes', send: (e) => caPost(e, '/perm', { resource_id: e.possible, resource_scopes: ['value', 'value'] }), changed: ticketIssued },
  { title: 'reporting: a record_id that is a UUID but not v4', document: 'reporting.yaml', pointer: '/components/schemas/RecordId', keyword: 'pattern', field: 'record_id', send: (e) => e.reporting.request.post('/service-availability/find').set('X-Request-ID', randomUUID()).send(availability({ record_id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' })), changed: stored },
  { title: 'reporting: an empty holdernameGuid map', document: 'reporting.yaml', pointer: '/components/schemas/ServiceAvailabilityReportData/properties/items/items', keyword: 'minProperties', field: 'items[1]', send: (e) => e.reporting.request.post('/service-availability/view').set('X-Request-ID', randomUUID()).send(availability({ items: [...availability({}).items, {}] })), changed: stored },
];

const tagged = (doc: string) => listOwnRules(YAML.parse(fs.readFileSync(path.join(openapiDir, doc), 'utf8')));

test('every own rule the documents tag is one listed here, and every one listed here is tagged, with why', () => {
  const inDocuments = ['ca.yaml', 'reporting.yaml', 'admin.yaml'].flatMap((doc) => tagged(doc).map((r) => ({ rule: `${doc}#${r.pointer} ${r.keyword}`, why: r.why })));
  assert.equal(inDocuments.map((r) => r.rule).sort(), [...new Set(CASES.map((c) => `${c.document}#${c.pointer} ${c.keyword}`))].sort());
  for (const r of inDocuments) assert.ok(r.why.length > 40, `${r.rule} says why cda-sim is stricter`);
});

test("the README's Strictness table has a row for every own rule", () => {
  const readme = fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
  const section = /## Strictness[^\n]*\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| endpoint') && !l.startsWith('| ---'));
  assert.is(rows.length, CASES.length);
});

test("the reporting rules module's own rules say what openapi/reporting.yaml's tags say", () => {
  const whys = tagged('reporting.yaml').map((r) => r.why).sort();
  assert.equal(whys, Object.values(REPORTING_OWN_RULES).sort());
});

test('the document without own rules lacks exactly the tagged keywords', () => {
  const doc = YAML.parse(fs.readFileSync(path.join(openapiDir, 'ca.yaml'), 'utf8'));
  const relaxed = withoutOwnRules(doc);
  const reg = relaxed.components.schemas.PeiRegistration;
  assert.is(reg.additionalProperties, undefined);
  assert.is(reg.properties.description.maxLength, undefined);
  assert.is(reg.properties.description.minLength, 1, 'the official minimum stays');
  assert.equal(reg.required, ['name', 'description', 'match_status', 'resource_scopes'], 'required fields stay');
  assert.is(doc.components.schemas.PeiRegistration.additionalProperties, false, 'the original is untouched');
});

async function environment(strict: boolean): Promise<Env> {
  const ca = await caHarness({ strict });
  const pat = await ca.pat('CP01');
  const possible = await ca.registered(pat, { match_status: 'match-possible' });
  return { ca, pat, possible, reporting: await reportingHarness(strict) };
}

function lastEntry(entries: JournalEntry[], requestId: string | undefined): JournalEntry {
  const e = entries.filter((x) => x.requestId === requestId).pop();
  assert.ok(e, `the exchange ${requestId} is journalled`);
  return e!;
}

for (const c of CASES) {
  test(`${c.title}: --strict refuses it, saying it is cda-sim's own rule; --strict=false accepts it with a warning`, async () => {
    for (const strict of [true, false]) {
      const e = await environment(strict);
      const entries: JournalEntry[] = [];
      e.ca.journal.on('entry', (x: JournalEntry) => entries.push(x));
      e.reporting.journal.on('entry', (x: JournalEntry) => entries.push(x));
      const before = c.document === 'ca.yaml' ? e.ca.store.resources().length : e.reporting.submissions.all().length;
      const req = c.send(e);
      const res = await req;
      const entry = lastEntry(entries, (res.request as unknown as { header: Record<string, string> }).header['X-Request-ID']);
      if (strict) {
        assert.is(res.status, 400, JSON.stringify(res.body));
        assert.match(res.body.detail, new RegExp(`${c.field.replace(/[[\]]/g, '\\$&')}: .*${OWN_RULE_WORDS}`), 'the detail names the field and says it is our own rule');
        assert.match(res.body.detail, /--strict=false accepts it/);
        assert.not.ok(c.changed(e, before), 'nothing refused changes state');
        assert.is(entry.ownRuleWarnings, undefined);
      } else {
        assert.ok(res.status >= 200 && res.status < 300, `accepted: ${res.status} ${JSON.stringify(res.body)}`);
        if (c.changed !== ticketIssued) assert.ok(c.changed(e, before), 'accepted as the official document allows');
        assert.equal(entry.ownRuleWarnings?.map((w) => w.field), [c.field]);
        assert.match(entry.ownRuleWarnings![0].detail, new RegExp(`${OWN_RULE_WORDS}.*accepted \\(--strict=false\\)`));
      }
      e.ca.assertContract();
      assert.equal(e.reporting.contract.violations, []);
      await e.ca.close();
      e.reporting.close();
    }
  });
}

test('--strict=false still refuses a request that breaks an official rule besides an own rule, and changes nothing', async () => {
  const e = await environment(false);
  const before = e.ca.store.resources().length;
  const res = await caPost(e, '/rreguri', registration({ registration_reason: 'find', match_status: 'match-maybe' }));
  assert.is(res.status, 400);
  assert.match(res.body.detail, /match_status: must be one of/);
  assert.match(res.body.detail, new RegExp(`registration_reason: [^;]*${OWN_RULE_WORDS}`));
  // Refused whole: the own rule's note says so, not that it was accepted.
  assert.not.match(res.body.detail, /accepted \(--strict=false\)/);
  assert.match(res.body.detail, /--strict=false accepts it alone, but this request also breaks a rule of the official document, so it is refused whole/);
  assert.is(e.ca.store.resources().length, before);
  const sub = await e.reporting.request.post('/service-availability/find').set('X-Request-ID', randomUUID()).send(availability({ record_id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', submission_status: 'early' }));
  assert.is(sub.status, 400);
  assert.equal(sub.body.errors.map((x: { code: string }) => x.code), ['INVALID_RECORD_ID', 'INVALID_SUBMISSION_STATUS']);
  assert.not.match(sub.body.detail, /accepted \(--strict=false\)/);
  assert.match(sub.body.detail, /record_id: .*so it is refused whole/);
  assert.is(e.reporting.submissions.all().length, 0);
  await e.ca.close();
  e.reporting.close();
});

test('--strict=false does not waive the official UUID form of record_id: only the v4 rule is our own', async () => {
  const e = await environment(false);
  const res = await e.reporting.request.post('/service-availability/find').set('X-Request-ID', randomUUID()).send(availability({ record_id: 'record-1' }));
  assert.is(res.status, 400);
  assert.not.match(res.body.detail, OWN_RULE_WORDS);
  await e.ca.close();
  e.reporting.close();
});

test('a non-strict run is recorded as such, and its bundle replays non-strict unless told otherwise', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const stateDir = tempDir();
  const play = { scenarios: ['connection-proving'], only: ['CP-01', 'CP-02', 'CP-03'], referenceFaults: ['register-extra-field' as const], progress: () => {} };
  const recorded = await rehearse({ stateDir, certsDir, strict: false, ...play });
  assert.is(recorded.exitCode, 0);
  assert.ok(recorded.results.run.ownRuleWarnings!.length > 0);
  const out = path.join(tempDir(), 'run.tar.gz');
  await exportRun(stateDir, recorded.results.run.id, out);
  const bundle = readBundle(out);
  assert.is(bundle.options?.strict, false, 'the recording keeps its strictness');
  const same = await replayBundle(bundle, { stateDir: tempDir(), certsDir, referenceFaults: ['register-extra-field'] });
  assert.equal([same.differs, same.results.run.strict], [false, false]);
  assert.ok(same.results.run.ownRuleWarnings!.every((w) => w.field === 'registration_reason'));
  // Strict, the registration is refused: a short registration window, not a minute, before CP-03 is judged.
  const strict = await replayBundle(bundle, { stateDir: tempDir(), certsDir, referenceFaults: ['register-extra-field'], strict: true, budgets: { registrationWindowMs: 3000 } });
  assert.is(strict.results.run.strict, true);
  assert.is(strict.results.testCases.find((t) => t.id === 'CP-03')!.verdict, 'fail');
  assert.ok(strict.differs);
});

test.run();
