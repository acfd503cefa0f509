import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { openapiDir } from '../simulator/core/paths.js';
import { loadTestUsers, getTestUser, type TestUser } from '../simulator/testdata/users.js';

// ajv and ajv-formats are CommonJS: under NodeNext the default import is the module object,
// whose .default is the class / plugin.
const ajv = new Ajv.default({ allErrors: true, strict: true });
addFormats.default(ajv);
const schema = JSON.parse(fs.readFileSync(path.join(openapiDir, 'schemas', 'find-data.schema.json'), 'utf8'));
const validateFindData = ajv.compile(schema);

const users = loadTestUsers();
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function valid(findData: unknown): boolean {
  return validateFindData(findData) as boolean;
}

/** A copy of CP01's find data with one change, for proving a pattern can fail. */
function cp01With(change: (fd: any) => void): unknown {
  const fd = structuredClone(getTestUser(users, 'CP01').findData);
  change(fd);
  return fd;
}

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-users-'));
let tmpCount = 0;
function tmpFile(content: unknown): string {
  const file = path.join(tmpDir, `test-users-${++tmpCount}.json`);
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}
test.after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

test('the shipped file loads with the expected ids, each once', () => {
  const ids = users.map((u) => u.id);
  assert.is(new Set(ids).size, ids.length, 'ids are unique');
  const expected = [
    'CP01',
    ...Array.from({ length: 18 }, (_, i) => `IT${String(i + 1).padStart(2, '0')}`),
    ...Array.from({ length: 5 }, (_, i) => `SYS0${i + 1}`),
    'OAT01',
  ];
  for (const id of expected) assert.ok(ids.includes(id), `missing ${id}`);
});

test('each name is sha1("cda-sim:" + id) and each sub a distinct UUID v4', () => {
  for (const u of users) {
    assert.is(u.name, crypto.createHash('sha1').update('cda-sim:' + u.id).digest('hex'), u.id);
    assert.ok(UUID_V4.test(u.sub), `${u.id} sub ${u.sub}`);
    assert.ok(u.purpose.length > 0, `${u.id} purpose`);
  }
  assert.is(new Set(users.map((u) => u.sub)).size, users.length, 'subs are unique');
});

test('every findData validates against the find-data schema', () => {
  for (const u of users) {
    assert.ok(valid(u.findData), `${u.id}: ${ajv.errorsText(validateFindData.errors)}`);
  }
});

test('the schema accepts an empty find data (no item is mandatory)', () => {
  assert.ok(valid({}));
});

test('the schema rejects a lowercase name', () => {
  assert.not.ok(valid(cp01With((fd) => (fd.name.lastName = 'Smith'))));
  assert.not.ok(valid(cp01With((fd) => (fd.previousNames = [{ lastName: 'jones', verified: false }]))));
});

test('the schema rejects an unknown field, at the top and inside an item', () => {
  assert.not.ok(valid(cp01With((fd) => (fd.gender = 'F'))));
  assert.not.ok(valid(cp01With((fd) => (fd.addresses[0].country = 'UK'))));
});

test('the schema rejects a character outside the address set', () => {
  assert.not.ok(valid(cp01With((fd) => (fd.addresses[0].postcode = 'LS1 1AA!'))));
  assert.not.ok(valid(cp01With((fd) => (fd.addresses[0].addressLine1 = '1 HIGH STREET & CO'))));
  // every listed special character is allowed
  assert.ok(valid(cp01With((fd) => (fd.addresses[0].addressLine1 = `FLAT 2/3, "THE MILL"; 4*B\\C-D'S.`))));
});

test('the schema rejects a badly formed NINO', () => {
  for (const bad of ['QQ12345C', 'QQ123456E', 'qq123456C', 'QQ 12 34 56 C', 'DA123456A', 'GB123456A']) {
    assert.not.ok(valid(cp01With((fd) => (fd.nino = { value: bad, verified: false }))), bad);
  }
  assert.ok(valid(cp01With((fd) => (fd.nino = { value: 'AB123456C', verified: false }))));
});

test('the schema rejects an impossible date of birth', () => {
  assert.not.ok(valid(cp01With((fd) => (fd.dateOfBirth.value = '1975-02-30'))));
});

test('loadTestUsers names the id of a duplicate', () => {
  const one: TestUser = getTestUser(users, 'IT01');
  const file = tmpFile({ version: 1, users: [one, { ...one, sub: crypto.randomUUID() }] });
  assert.throws(() => loadTestUsers(file), (err: Error) => /"IT01"/.test(err.message) && /duplicate/.test(err.message));
});

test('loadTestUsers names the id and field of a bad sub or name', () => {
  const one = getTestUser(users, 'IT02');
  const badSub = tmpFile({ version: 1, users: [{ ...one, sub: 'not-a-uuid' }] });
  assert.throws(() => loadTestUsers(badSub), (err: Error) => /"IT02"/.test(err.message) && /"sub"/.test(err.message));
  const badName = tmpFile({ version: 1, users: [{ ...one, name: 'ABC' }] });
  assert.throws(() => loadTestUsers(badName), (err: Error) => /"IT02"/.test(err.message) && /"name"/.test(err.message));
  const dupSub = tmpFile({ version: 1, users: [one, { ...getTestUser(users, 'IT03'), sub: one.sub }] });
  assert.throws(() => loadTestUsers(dupSub), (err: Error) => /"IT03"/.test(err.message) && /"sub"/.test(err.message));
});

test('getTestUser lists the known ids for an unknown one', () => {
  assert.throws(() => getTestUser(users, 'XX99'), (err: Error) => err.message.startsWith('unknown test user "XX99"; known: CP01, IT01'));
});

test.run();
