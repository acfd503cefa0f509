// Matching: does this find request describe the member behind this pension record?
//
// PDP leaves the matching rules to each provider (a data provider chooses its own "find data
// model", pdp-protocol §3.1); what PDP fixes is the outcome: a definite match is registered as
// `match-yes`, a possible match as `match-possible`, anything else is not registered at all
// (pdp-protocol §2 steps 3–5, §5.3). These are the reference provider's rules, and the ones
// cda-sim's test data pack is written against:
//
//   Normalise first: names upper case (trimmed, inner spaces collapsed); postcodes and NINOs upper
//   case with every space removed; dates compared as given (YYYY-MM-DD). A value that is absent on
//   either side is never "equal".
//
//   "lastName equal" means: the find's current name.lastName, or any previousNames[].lastName,
//   equals the record's lastName (people change surname; the record may hold the old one).
//
//   DEFINITE  firstName, dateOfBirth and lastName all equal,
//             AND (the postcode of ANY find address equals the record postcode
//                  OR the find NINO equals the record NINO).
//
//   POSSIBLE  not definite, and any of
//             (a) lastName and dateOfBirth equal (so firstName, or both postcode and NINO, differ);
//             (b) firstName, lastName and postcode equal, but dateOfBirth differs;
//             (c) the find NINO equals the record NINO, whether the NINO is verified or not
//                 (a self-asserted NINO is a strong hint, but not proof of identity).
//
//   NO MATCH  otherwise: nothing is registered and the C&A is not called at all.
//
// Only data that identifies the member is compared; email and mobile are not used. Each record
// is judged on its own, so one find can match several pensions (one PeI each).
import type { FindData } from '../testdata/users.js';
import type { MemberDetails, PensionRecord } from '../testdata/records.js';
import type { Faults } from './faults.js';

export type MatchStatus = 'match-yes' | 'match-possible';

export interface Match {
  record: PensionRecord;
  status: MatchStatus;
  /** Which rule decided, in plain words, for the log. */
  rule: string;
}

// Find data arrives from outside: a field may be missing or of the wrong type. Anything that is
// not a string reads as absent, anything that is not an array as empty.
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v.filter((x) => x !== null && typeof x === 'object') : []);

export function normaliseName(value: unknown): string | undefined {
  const v = text(value)?.trim().replace(/\s+/g, ' ').toUpperCase();
  return v ? v : undefined;
}

/** Postcodes and NINOs: upper case, no spaces ("ls1 1aa" and "LS11AA" are the same postcode). */
export function normaliseCode(value: unknown): string | undefined {
  const v = text(value)?.replace(/\s+/g, '').toUpperCase();
  return v ? v : undefined;
}

function normaliseDate(value: unknown): string | undefined {
  const v = text(value)?.trim();
  return v ? v : undefined;
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a === b;
}

/** Which identifying items of a find agree with a record ("lastName" counts a previous surname too). */
function agreement(find: FindData, member: MemberDetails) {
  const recordLastName = normaliseName(member.lastName);
  const findLastNames = [find.name?.lastName, ...list(find.previousNames).map((p) => p.lastName)].map(normaliseName);
  const recordPostcode = normaliseCode(member.postcode);
  return {
    firstName: same(normaliseName(find.name?.firstName), normaliseName(member.firstName)),
    lastName: findLastNames.some((n) => same(n, recordLastName)),
    dateOfBirth: same(normaliseDate(find.dateOfBirth?.value), normaliseDate(member.dateOfBirth)),
    postcode: list(find.addresses).some((a) => same(normaliseCode(a.postcode), recordPostcode)),
    nino: same(normaliseCode(find.nino?.value), normaliseCode(member.nino)),
  };
}

/** Decide one record against one find. Returns undefined for no match. */
export function matchRecord(find: FindData, member: MemberDetails): { status: MatchStatus; rule: string } | undefined {
  const { firstName, lastName, dateOfBirth, postcode, nino } = agreement(find, member);
  if (firstName && lastName && dateOfBirth && (postcode || nino)) {
    return { status: 'match-yes', rule: `definite: first name, last name and date of birth agree, and ${postcode ? 'a postcode' : 'the NINO'} agrees` };
  }
  if (lastName && dateOfBirth) return { status: 'match-possible', rule: 'possible (a): last name and date of birth agree, but the first name or the postcode/NINO do not' };
  if (firstName && lastName && postcode) return { status: 'match-possible', rule: 'possible (b): first name, last name and postcode agree, but the date of birth does not' };
  if (nino) return { status: 'match-possible', rule: 'possible (c): the NINO agrees, but the rest does not' };
  return undefined;
}

/** FAULT (for cda-sim's own tests): over-matching, a possible match whenever any one key agrees. */
function matchOnOneKey(find: FindData, member: MemberDetails): { status: MatchStatus; rule: string } | undefined {
  const { lastName, dateOfBirth, postcode, nino } = agreement(find, member);
  return lastName || dateOfBirth || postcode || nino ? { status: 'match-possible', rule: 'FAULT: one key agrees' } : undefined;
}

/** Every record this find matches, definite or possible. */
export function findMatches(find: FindData, records: readonly PensionRecord[], faults?: Faults): Match[] {
  const out: Match[] = [];
  for (const record of records) {
    const m = matchRecord(find, record.member) ?? (faults?.has('match-on-one-key') ? matchOnOneKey(find, record.member) : undefined);
    if (m) out.push({ record, ...m });
  }
  return out;
}
