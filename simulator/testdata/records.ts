// The integration test data pack: the pension records a provider must load (what the reference
// provider loads automatically) and, for cda-sim's own checks, the expected outcome per test user.
// Data lives in scenarios/testdata.json; this file only types and loads it.
import fs from 'node:fs';
import path from 'node:path';
import { scenariosDir } from '../core/paths.js';

export interface Holdername {
  holdernameGuid: string;
  /** The provider or scheme behind this holdername GUID. */
  name: string;
}

/** What the provider knows about its member: the data its matching compares with find data. */
export interface MemberDetails {
  firstName: string;
  lastName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  postcode?: string;
  addressLine1?: string;
  nino?: string;
  email?: string;
  /** Surnames the member was known by before. */
  previousLastNames?: string[];
}

export interface PensionRecord {
  recordId: string;
  holdernameGuid: string;
  /** The provider's id for "this pension for this person": the second half of the PeI. */
  assetGuid: string;
  /** Must equal the PeI description and the view data's pensionProviderSchemeName. */
  schemeName: string;
  member: MemberDetails;
  /** Reference a user quotes for a possible match (possibleMatchReference). */
  possibleMatchReference: string;
  /** The full view data for a definite match: {arrangements: [one definite-match arrangement]}. */
  viewData: { arrangements: Record<string, unknown>[] };
}

export type Outcome = 'match-yes' | 'match-possible' | 'no-match';

export interface ExpectedOutcome {
  /** Test user id (scenarios/test-users.json). */
  user: string;
  outcome: Outcome;
  /** recordIds the user's find must register (empty for no-match). */
  records: string[];
  /** Why, in plain words: which find data matches which record data. */
  reason: string;
  /** For integration Stage 2: what the update file will tell the provider to do. */
  stage2?: 'confirm-match' | 'reject-match' | 'expire-possible-match' | 'withdraw-match' | 'remove-asset';
}

export interface TestDataPack {
  version: 1;
  holdernames: Holdername[];
  records: PensionRecord[];
  expectations: ExpectedOutcome[];
}

export const TESTDATA_FILE = path.join(scenariosDir, 'testdata.json');

export function loadTestData(file: string = TESTDATA_FILE): TestDataPack {
  let pack: TestDataPack;
  try {
    pack = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the test data pack ${file}: ${(err as Error).message}`);
  }
  for (const field of ['holdernames', 'records', 'expectations'] as const) {
    if (!Array.isArray(pack?.[field])) throw new Error(`test data pack ${file}: field "${field}" must be an array`);
  }
  const holders = new Set(pack.holdernames.map((h) => h.holdernameGuid));
  const ids = new Set<string>();
  for (const r of pack.records) {
    if (ids.has(r.recordId)) throw new Error(`${file}: record "${r.recordId}" appears twice`);
    ids.add(r.recordId);
    if (!holders.has(r.holdernameGuid)) throw new Error(`${file}: record "${r.recordId}" has holdernameGuid ${r.holdernameGuid}, which is not in holdernames`);
  }
  for (const e of pack.expectations) {
    for (const id of e.records) if (!ids.has(id)) throw new Error(`${file}: expectation for ${e.user} names record "${id}", which does not exist`);
  }
  return pack;
}

export function peiNameOf(r: Pick<PensionRecord, 'holdernameGuid' | 'assetGuid'>): string {
  return `urn:pei:${r.holdernameGuid}:${r.assetGuid}`;
}
