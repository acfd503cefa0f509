// The reference provider's matching rules (simulator/provider/matching.ts), one case per rule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findMatches, matchRecord } from '../simulator/provider/matching.js';
import { Faults } from '../simulator/provider/faults.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { loadTestUsers } from '../simulator/testdata/users.js';
import type { MemberDetails } from '../simulator/testdata/records.js';
import type { FindData } from '../simulator/testdata/users.js';

const member: MemberDetails = { firstName: 'Jane', lastName: 'Smith', dateOfBirth: '1975-03-14', postcode: 'LS1 1AA', nino: 'QQ123456C' };

function find(over: Partial<{ first: string; last: string; dob: string; postcodes: string[]; nino: string; previous: string[] }> = {}): FindData {
  return {
    name: { firstName: over.first ?? 'JANE', lastName: over.last ?? 'SMITH', verified: true },
    dateOfBirth: { value: over.dob ?? '1975-03-14', verified: true },
    addresses: (over.postcodes ?? ['LS1 1AA']).map((postcode, i) => ({ addressLine1: `${i + 1} HIGH STREET`, postcode, current: i === 0, verified: true })),
    ...(over.nino ? { nino: { value: over.nino, verified: false } } : {}),
    ...(over.previous ? { previousNames: over.previous.map((lastName) => ({ lastName, verified: false })) } : {}),
  };
}

const status = (f: FindData, m: MemberDetails = member) => matchRecord(f, m)?.status;

test('definite: names, date of birth and postcode agree (case and spaces do not matter)', () => {
  assert.is(status(find()), 'match-yes');
  assert.is(status(find({ first: ' jane ', last: 'smith', postcodes: ['ls11aa'] })), 'match-yes');
});

test('definite: the postcode of any address, not only the current one', () => {
  assert.is(status(find({ postcodes: ['M1 1AE', 'LS1 1AA'] })), 'match-yes');
});

test('definite: the NINO instead of the postcode', () => {
  assert.is(status(find({ postcodes: ['M1 1AE'], nino: 'qq 12 34 56 c' })), 'match-yes');
});

test('definite: through a previous surname', () => {
  assert.is(status(find({ last: 'JONES', previous: ['SMITH'] })), 'match-yes');
  assert.is(status(find({ last: 'JONES' })), undefined, 'without it, nothing');
});

test('possible (a): last name and date of birth agree, first name differs', () => {
  assert.is(status(find({ first: 'JANET' })), 'match-possible');
});

test('possible (a): last name and date of birth agree, neither postcode nor NINO does', () => {
  assert.is(status(find({ postcodes: ['M1 1AE'] })), 'match-possible');
});

test('possible (b): first name, last name and postcode agree, date of birth differs', () => {
  assert.is(status(find({ dob: '1975-04-14' })), 'match-possible');
});

test('possible (c): only the NINO agrees, verified or not', () => {
  const f = find({ first: 'X', last: 'Y', dob: '2000-01-01', postcodes: ['ZZ1 1ZZ'], nino: 'QQ123456C' });
  assert.is(status(f), 'match-possible');
  assert.is(status({ ...f, nino: { value: 'QQ123456C', verified: true } }), 'match-possible');
});

test('no match: only the first name, or only the date of birth, agrees', () => {
  assert.is(status(find({ last: 'BROWN', postcodes: ['M1 1AE'] })), undefined);
  assert.is(status(find({ first: 'ANNE', last: 'BROWN' })), undefined);
});

test('absent values never agree, and a record without a postcode or NINO cannot match on them', () => {
  assert.is(status({}), undefined);
  assert.is(status(find(), { firstName: 'JANE', lastName: 'SMITH', dateOfBirth: '1975-03-14' }), 'match-possible', 'names and date of birth only: possible (a)');
  assert.is(status({ nino: { value: 'QQ123456C', verified: false } }, { firstName: 'A', lastName: 'B', dateOfBirth: '1990-01-01' }), undefined);
});

test('find data of the wrong shape is read as absent, not a crash', () => {
  const odd = { name: { firstName: 5, lastName: null }, addresses: 'LS1 1AA', previousNames: [null], nino: { value: 42 } } as unknown as FindData;
  assert.is(status(odd), undefined);
});

test('the near misses (NM01–NM08) match nothing under the rules; an over-matching provider (one key is enough) matches each', () => {
  const pack = loadTestData();
  const nearMisses = loadTestUsers().filter((u) => /^NM\d\d$/.test(u.id));
  assert.is(nearMisses.length, 8);
  for (const u of nearMisses) {
    assert.equal(findMatches(u.findData, pack.records), [], u.id);
    const over = findMatches(u.findData, pack.records, new Faults(['match-on-one-key']));
    assert.is(over.length, 1, `${u.id} shares keys with exactly one record`);
    assert.is(over[0].status, 'match-possible', u.id);
  }
});

test('over-matching changes no outcome the rules already give (only the near misses are affected)', () => {
  const pack = loadTestData();
  const over = new Faults(['match-on-one-key']);
  for (const u of loadTestUsers().filter((x) => !/^NM\d\d$/.test(x.id))) {
    const honest = findMatches(u.findData, pack.records).map((m) => [m.record.recordId, m.status]);
    assert.equal(findMatches(u.findData, pack.records, over).map((m) => [m.record.recordId, m.status]), honest, u.id);
  }
});

test.run();
