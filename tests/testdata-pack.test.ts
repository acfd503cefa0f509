// The shipped integration test data pack (scenarios/testdata.json) and the dashboard's view data
// check: every record's view data is valid, every test user has exactly one expectation, and the
// expectations follow from the matching rules (applied here by a small independent oracle, so a
// record that accidentally matches another user is caught). Then proof that the check can fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTestData, type PensionRecord, type Outcome } from '../simulator/testdata/records.js';
import { loadTestUsers, getTestUser, type FindData } from '../simulator/testdata/users.js';
import { checkViewData, type ViewDataViolation } from '../simulator/dashboard/view-data-check.js';

const pack = loadTestData();
const users = loadTestUsers();
// A fixed "today" keeps the not-in-the-future rule deterministic.
const NOW = new Date('2026-11-24T12:00:00Z');
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const recordById = (id: string): PensionRecord => {
  const r = pack.records.find((x) => x.recordId === id);
  if (!r) throw new Error(`no record ${id}`);
  return r;
};
const expectationOf = (user: string) => pack.expectations.find((e) => e.user === user)!;
const arrangementOf = (r: PensionRecord): any => r.viewData.arrangements[0];
const show = (vs: ViewDataViolation[]) => vs.map((v) => `${v.code} ${v.path}: ${v.detail}`).join('\n');

// ── the matching oracle: the rules as the pack states them, written independently ───────────────

type Verdict = 'definite' | 'possible' | undefined;

function judge(find: FindData, r: PensionRecord, opts: { usePreviousNames?: boolean; useNino?: boolean } = {}): Verdict {
  const name = (s?: string) => (s ? s.toUpperCase() : undefined);
  const code = (s?: string) => (s ? s.toUpperCase().replace(/ /g, '') : undefined);
  const eq = (a?: string, b?: string) => a !== undefined && a === b;
  const m = r.member;
  const lastNames = [find.name?.lastName, ...(opts.usePreviousNames === false ? [] : (find.previousNames ?? []).map((p) => p.lastName))];
  const first = eq(name(find.name?.firstName), name(m.firstName));
  const last = lastNames.some((n) => eq(name(n), name(m.lastName)));
  const dob = eq(find.dateOfBirth?.value, m.dateOfBirth);
  const postcode = (find.addresses ?? []).some((a) => eq(code(a.postcode), code(m.postcode)));
  const nino = opts.useNino !== false && eq(code(find.nino?.value), code(m.nino));
  if (first && dob && last && (postcode || nino)) return 'definite';
  if ((last && dob) || (first && last && postcode && !dob) || nino) return 'possible';
  return undefined;
}

/** Apply the oracle to every record: the outcome and matched records the user's find should give. */
function oracle(find: FindData, opts?: Parameters<typeof judge>[2]): { outcome: Outcome | 'mixed'; records: string[] } {
  const hits = pack.records.map((r) => [r.recordId, judge(find, r, opts)] as const).filter(([, v]) => v);
  const kinds = new Set(hits.map(([, v]) => v));
  const outcome = kinds.size === 0 ? 'no-match' : kinds.size > 1 ? 'mixed' : kinds.has('definite') ? 'match-yes' : 'match-possible';
  return { outcome, records: hits.map(([id]) => id).sort() };
}

// ── the pack's shape ────────────────────────────────────────────────────────────────────────────

test('two holdernames with distinct UUID v4 GUIDs; records have stable ids, UUID v4 asset GUIDs, each once', () => {
  assert.is(pack.holdernames.length, 2);
  for (const h of pack.holdernames) assert.ok(UUID_V4.test(h.holdernameGuid), h.holdernameGuid);
  assert.is(new Set(pack.holdernames.map((h) => h.holdernameGuid)).size, 2);
  for (const r of pack.records) {
    assert.ok(/^REC-(CP|IT|SYS|OAT)\d{2}-\d+$/.test(r.recordId), r.recordId);
    assert.ok(UUID_V4.test(r.assetGuid), `${r.recordId} assetGuid ${r.assetGuid}`);
    assert.ok(r.possibleMatchReference.length >= 1 && r.possibleMatchReference.length <= 50, `${r.recordId} possibleMatchReference`);
  }
  assert.is(new Set(pack.records.map((r) => r.assetGuid)).size, pack.records.length, 'asset GUIDs are unique');
  assert.is(new Set(pack.records.map((r) => r.possibleMatchReference)).size, pack.records.length, 'possible-match references are unique');
});

test('each record holds one definite-match arrangement carrying its scheme name and its member\'s date of birth', () => {
  for (const r of pack.records) {
    assert.is(r.viewData.arrangements.length, 1, r.recordId);
    const a = arrangementOf(r);
    assert.is(a.possibleMatch, false, r.recordId);
    assert.is(a.pensionProviderSchemeName, r.schemeName, r.recordId);
    if (a.dateOfBirth !== undefined) assert.is(a.dateOfBirth, r.member.dateOfBirth, r.recordId);
  }
});

test('every record\'s view data passes the schema and every cross-field rule, with its own scheme name', () => {
  for (const r of pack.records) {
    const vs = checkViewData(r.viewData, { schemeName: r.schemeName, possibleMatch: false }, NOW);
    assert.equal(vs, [], `${r.recordId}:\n${show(vs)}`);
  }
});

test('the limited possible-match view of every record passes as a possible match', () => {
  for (const r of pack.records) {
    const limited = {
      arrangements: [
        { possibleMatch: true, possibleMatchReference: r.possibleMatchReference, pensionProviderSchemeName: r.schemeName, pensionAdministrator: arrangementOf(r).pensionAdministrator },
      ],
    };
    const vs = checkViewData(limited, { schemeName: r.schemeName, possibleMatch: true }, NOW);
    assert.equal(vs, [], `${r.recordId}:\n${show(vs)}`);
  }
});

test('every test user has exactly one expectation, and every expectation names a test user', () => {
  for (const u of users) assert.is(pack.expectations.filter((e) => e.user === u.id).length, 1, u.id);
  for (const e of pack.expectations) assert.ok(users.some((u) => u.id === e.user), `expectation for unknown user ${e.user}`);
  for (const e of pack.expectations) assert.ok(e.reason.length > 20, `${e.user} has a reason`);
});

test('the matching rules, applied to every user against every record, give exactly the expected outcome and records', () => {
  for (const u of users) {
    const want = expectationOf(u.id);
    const got = oracle(u.findData);
    assert.equal(got, { outcome: want.outcome, records: [...want.records].sort() }, `${u.id}: the rules give ${JSON.stringify(got)}`);
  }
});

test('no record is matched (definite or possible) by more than one test user', () => {
  for (const r of pack.records) {
    const by = users.filter((u) => judge(u.findData, r)).map((u) => u.id);
    assert.ok(by.length <= 1, `${r.recordId} is matched by ${by.join(', ')}`);
  }
});

// ── what each user needs ────────────────────────────────────────────────────────────────────────

test('single definite matches: CP01, IT01, IT06, IT07, IT11–IT18, SYS01–SYS05', () => {
  for (const id of ['CP01', 'IT01', 'IT06', 'IT07', 'IT11', 'IT12', 'IT13', 'IT14', 'IT15', 'IT16', 'IT17', 'IT18', 'SYS01', 'SYS02', 'SYS03', 'SYS04', 'SYS05']) {
    const e = expectationOf(id);
    assert.is(e.outcome, 'match-yes', id);
    assert.is(e.records.length, 1, id);
  }
});

test('IT02 has at least three pensions, at least one under the second holdername', () => {
  const e = expectationOf('IT02');
  assert.is(e.outcome, 'match-yes');
  assert.ok(e.records.length >= 3);
  const holders = new Set(e.records.map((id) => recordById(id).holdernameGuid));
  assert.ok(holders.has(pack.holdernames[1]!.holdernameGuid));
});

test('IT03/IT04/IT05 are possible matches with their Stage 2 actions; IT06/IT07 definite with theirs', () => {
  const want: Record<string, [Outcome, string]> = {
    IT03: ['match-possible', 'confirm-match'],
    IT04: ['match-possible', 'reject-match'],
    IT05: ['match-possible', 'expire-possible-match'],
    IT06: ['match-yes', 'withdraw-match'],
    IT07: ['match-yes', 'remove-asset'],
  };
  for (const [id, [outcome, stage2]] of Object.entries(want)) {
    assert.is(expectationOf(id).outcome, outcome, id);
    assert.is(expectationOf(id).stage2, stage2, id);
  }
});

test('IT08 and OAT01 match nothing', () => {
  for (const id of ['IT08', 'OAT01']) assert.equal([expectationOf(id).outcome, expectationOf(id).records], ['no-match', []], id);
});

test('IT09 matches only through previousNames; IT10 only through the self-asserted NINO', () => {
  const it09 = getTestUser(users, 'IT09').findData;
  assert.is(oracle(it09).outcome, 'match-yes');
  assert.is(oracle(it09, { usePreviousNames: false }).outcome, 'no-match');
  const it10 = getTestUser(users, 'IT10').findData;
  assert.is(it10.nino?.verified, false);
  assert.is(oracle(it10).outcome, 'match-possible');
  assert.is(oracle(it10, { useNino: false }).outcome, 'no-match');
});

test('IT11/IT12/IT13 carry their flag; IT14 is a DB value being calculated; IT15–IT18 have the right pension types', () => {
  const arr = (user: string) => arrangementOf(recordById(expectationOf(user).records[0]!));
  assert.is(arr('IT11').contactScheme, true);
  assert.is(arr('IT12').administrativeDetailsNotAvailable, true);
  assert.is(arr('IT13').temporarySystemError, true);
  const it14 = arr('IT14');
  assert.is(it14.pensionType, 'DB');
  const it14Components = it14.benefitIllustrations.flatMap((b: any) => b.illustrationComponents);
  assert.ok(it14Components.length > 0 && it14Components.every((c: any) => c.unavailableReason === 'DBC'));
  const it15 = arr('IT15');
  assert.is(it15.pensionType, 'DC');
  const it15Types = new Set(it15.benefitIllustrations.flatMap((b: any) => b.illustrationComponents.map((c: any) => c.illustrationType)));
  assert.ok(it15Types.has('ERI') && it15Types.has('AP'));
  assert.is(arr('IT16').pensionType, 'HYB');
  assert.is(arr('IT17').pensionType, 'CDC');
  assert.is(arr('IT18').pensionType, 'AVC');
});

// ── the check can fail ──────────────────────────────────────────────────────────────────────────

/** A copy of a record's view data with one change. */
function changed(recordId: string, change: (a: any, vd: any) => void): any {
  const vd = structuredClone(recordById(recordId).viewData) as any;
  change(vd.arrangements[0], vd);
  return vd;
}
const check = (vd: unknown, expect: Parameters<typeof checkViewData>[1] = {}) => checkViewData(vd, expect, NOW);
const codes = (vs: ViewDataViolation[]) => [...new Set(vs.map((v) => v.code))].sort();

test('flags a missing pensionProviderSchemeName', () => {
  const vs = check(changed('REC-CP01-1', (a) => delete a.pensionProviderSchemeName));
  assert.ok(vs.some((v) => v.code === 'SCHEMA' && v.path === 'arrangements[0].pensionProviderSchemeName'), show(vs));
});

test('flags an unknown field in a closed object, naming it', () => {
  const vs = check(changed('REC-CP01-1', (a) => (a.benefitIllustrations[0].illustrationComponents[0].payableDetails.monthlyAmount = 701.67)));
  assert.equal(codes(vs), ['SCHEMA'], show(vs));
  assert.ok(vs.some((v) => v.path === 'arrangements[0].benefitIllustrations[0].illustrationComponents[0].payableDetails.monthlyAmount'), show(vs));
  const admin = check(changed('REC-IT01-1', (a) => (a.pensionAdministrator.fax = '+44 1632960999')));
  assert.ok(admin.some((v) => v.code === 'SCHEMA' && v.path === 'arrangements[0].pensionAdministrator.fax'), show(admin));
});

test('reports a wrong enum value and a bad variant once, in the branch the data meant', () => {
  const vs = check(changed('REC-IT01-1', (a) => {
    a.pensionType = 'XYZ';
    a.pensionAdministrator.contactMethods[0].contactMethodDetails.email = 'not-an-email';
  }));
  assert.equal(vs.map((v) => v.path), ['arrangements[0].pensionType', 'arrangements[0].pensionAdministrator.contactMethods[0].contactMethodDetails.email'], show(vs));
});

test('a possible-match arrangement carrying a pensionReference and values is flagged', () => {
  const r = recordById('REC-IT03-1');
  const tooMuch = {
    arrangements: [
      {
        possibleMatch: true,
        possibleMatchReference: r.possibleMatchReference,
        pensionProviderSchemeName: r.schemeName,
        pensionAdministrator: arrangementOf(r).pensionAdministrator,
        pensionReference: arrangementOf(r).pensionReference,
        benefitIllustrations: arrangementOf(r).benefitIllustrations,
      },
    ],
  };
  const vs = check(tooMuch, { schemeName: r.schemeName, possibleMatch: true });
  for (const f of ['pensionReference', 'benefitIllustrations']) {
    assert.ok(vs.some((v) => v.code === 'SCHEMA' && v.path === `arrangements[0].${f}`), `SCHEMA ${f}\n${show(vs)}`);
    assert.ok(vs.some((v) => v.code === 'POSSIBLE_MATCH_TOO_MUCH_DATA' && v.path === `arrangements[0].${f}`), `TOO_MUCH ${f}\n${show(vs)}`);
  }
  // The full definite view for a PeI that is only a possible match is too much data as well.
  const full = check(r.viewData, { schemeName: r.schemeName, possibleMatch: true });
  assert.equal(codes(full), ['POSSIBLE_MATCH_TOO_MUCH_DATA'], show(full));
  // And a possible-match arrangement where a definite match was expected.
  const limited = { arrangements: [{ possibleMatch: true, pensionProviderSchemeName: r.schemeName, pensionAdministrator: arrangementOf(r).pensionAdministrator }] };
  assert.equal(codes(check(limited, { schemeName: r.schemeName, possibleMatch: false })), ['POSSIBLE_MATCH_NOT_EXPECTED']);
});

test('flags a scheme name that differs from the registered description', () => {
  const r = recordById('REC-IT01-1');
  const vs = check(r.viewData, { schemeName: `${r.schemeName} (FORMER NAME)`, possibleMatch: false });
  assert.equal(codes(vs), ['SCHEME_NAME_MISMATCH'], show(vs));
  assert.is(vs[0]!.path, 'arrangements[0].pensionProviderSchemeName');
});

// Each payload breaks exactly one cross-field rule and nothing else.
const SP_ARRANGEMENT = {
  possibleMatch: false,
  pensionProviderSchemeName: 'State Pension',
  pensionType: 'SP',
  statePensionDate: '2042-03-14',
  statePensionMessageEng: 'Your State Pension forecast is based on your National Insurance record.',
  statePensionMessageWelsh: 'Mae eich rhagolwg Pensiwn y Wladwriaeth yn seiliedig ar eich cofnod Yswiriant Gwladol.',
  pensionAdministrator: { name: 'State Pension Service (synthetic)', contactMethods: [{ contactMethodDetails: { number: '+44 1632960900', usage: ['M'] } }] },
};

const ONE_RULE: [string, string, () => unknown][] = [
  ['CROSS_FIELD_STATE_PENSION_MESSAGES', 'a DC pension with a State Pension message', () => changed('REC-CP01-1', (a) => (a.statePensionMessageEng = 'You will get a State Pension too.'))],
  ['CROSS_FIELD_STATE_PENSION_MESSAGES', 'a State Pension without its Welsh message', () => ({ arrangements: [{ ...SP_ARRANGEMENT, statePensionMessageWelsh: undefined }] })],
  ['CROSS_FIELD_ABSENT_FOR_SP_OR_POSSIBLE', 'a State Pension with a pensionOrigin', () => ({ arrangements: [{ ...SP_ARRANGEMENT, pensionOrigin: 'PM' }] })],
  ['CROSS_FIELD_POSTAL_LINE_ORDER', 'a postal address with line3 but no line2', () => changed('REC-CP01-1', (a) => delete a.pensionAdministrator.contactMethods[3].contactMethodDetails.line2)],
  ['CROSS_FIELD_PAYABLE_DETAILS_REQUIRED', 'an ERI component with neither payableDetails nor unavailableReason', () => changed('REC-IT15-1', (a) => delete a.benefitIllustrations[1].illustrationComponents[0].payableDetails)],
  ['CROSS_FIELD_DATE_OF_BIRTH', 'a date of birth in the future', () => changed('REC-IT13-1', (a) => (a.dateOfBirth = '2026-12-25'))],
  ['CROSS_FIELD_CONTACT_METHOD_ONE_VARIANT', 'email details that also carry a phone number', () => changed('REC-IT01-1', (a) => (a.pensionAdministrator.contactMethods[0].contactMethodDetails.number = '+44 1632960201'))],
  ['CROSS_FIELD_PAYABLE_DETAILS_ONE_VARIANT', 'a lump sum that also says it is increasing', () => changed('REC-IT18-1', (a) => (a.benefitIllustrations[0].illustrationComponents[0].payableDetails.increasing = true))],
  ['CROSS_FIELD_PAYMENT_DATE_ORDER', 'a last payment date before the first', () => changed('REC-CP01-1', (a) => (a.benefitIllustrations[0].illustrationComponents[0].payableDetails.lastPaymentDate = '2041-01-01'))],
  ['CROSS_FIELD_EMPLOYMENT_DATE_ORDER', 'an employment that ends before it starts', () => changed('REC-IT01-1', (a) => (a.employmentMembershipPeriods[0].employmentEndDate = '1989-12-31'))],
  ['CROSS_FIELD_DATE_OF_BIRTH_ORDER', 'a pension that starts before the member was born', () => changed('REC-IT15-1', (a) => (a.pensionStartDate = '1980-01-01'))],
];

for (const [code, what, payload] of ONE_RULE) {
  test(`${code} alone: ${what}`, () => {
    const vs = check(JSON.parse(JSON.stringify(payload())), { possibleMatch: false });
    assert.equal(codes(vs), [code], show(vs));
    assert.ok(vs.every((v) => v.detail.includes('PDP data standards')), 'the detail names its reference');
  });
}

test('X6: an ERI-only unavailable reason in an AP component, and SM in an ERI component', () => {
  const vs = check(changed('REC-IT14-1', (a) => {
    a.benefitIllustrations[0].illustrationComponents[1].unavailableReason = 'DCHA';
    a.benefitIllustrations[0].illustrationComponents[0].calculationMethod = 'SM';
  }));
  const x6 = vs.filter((v) => v.code === 'CROSS_FIELD_ILLUSTRATION_TYPE_CODES').map((v) => v.path).sort();
  assert.equal(x6, ['arrangements[0].benefitIllustrations[0].illustrationComponents[0].calculationMethod', 'arrangements[0].benefitIllustrations[0].illustrationComponents[1].unavailableReason'], show(vs));
  // The schema's per-type enums say the same thing.
  assert.ok(vs.some((v) => v.code === 'SCHEMA'), show(vs));
});

test('collects every violation, never stopping at the first', () => {
  const vs = check(
    changed('REC-CP01-1', (a, vd) => {
      vd.pensionLink = 'D9267759822';
      a.statePensionMessageEng = 'x';
      a.dateOfBirth = '2030-01-01';
      a.employmentMembershipPeriods[0].employerStatus = 'X';
      delete a.benefitIllustrations[0].illustrationComponents[1].payableDetails;
    }),
    { schemeName: 'Something Else' },
  );
  for (const c of ['SCHEMA', 'CROSS_FIELD_STATE_PENSION_MESSAGES', 'CROSS_FIELD_DATE_OF_BIRTH', 'CROSS_FIELD_DATE_OF_BIRTH_ORDER', 'CROSS_FIELD_PAYABLE_DETAILS_REQUIRED', 'SCHEME_NAME_MISMATCH']) {
    assert.ok(vs.some((v) => v.code === c), `${c}\n${show(vs)}`);
  }
  assert.ok(vs.some((v) => v.path === 'pensionLink'), show(vs));
  assert.ok(vs.some((v) => v.path === 'arrangements[0].employmentMembershipPeriods[0].employerStatus'), show(vs));
});

test('anything that is not view data is reported, not thrown', () => {
  for (const bad of [null, 'view', 42, [], {}, { arrangements: [] }, { arrangements: 'none' }, { arrangements: [null, { possibleMatch: 'yes' }] }]) {
    const vs = check(bad);
    assert.ok(vs.length > 0 && vs.every((v) => v.code === 'SCHEMA'), `${JSON.stringify(bad)}:\n${show(vs)}`);
  }
});

test.run();
