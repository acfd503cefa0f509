// The seeded synthetic test identities (scenarios/test-users.json) and the find data each carries.
// The find-data types mirror openapi/schemas/find-data.schema.json.
import fs from 'node:fs';
import path from 'node:path';
import { scenariosDir } from '../core/paths.js';

export interface VerifiedValue<T> {
  value: T;
  verified: boolean;
}

export interface FindDataName {
  firstName: string;
  lastName: string;
  verified: boolean;
}

export interface FindDataAddress {
  addressLine1: string;
  addressLine2?: string;
  addressLine3?: string;
  addressLine4?: string;
  addressLine5?: string;
  postcode?: string;
  current: boolean;
  verified: boolean;
}

export interface FindDataPreviousName {
  firstName?: string;
  lastName: string;
  verified: boolean;
}

/** No item is mandatory: a provider must cope with any of them being absent. */
export interface FindData {
  name?: FindDataName;
  dateOfBirth?: VerifiedValue<string>; // YYYY-MM-DD
  addresses?: FindDataAddress[];
  email?: VerifiedValue<string>[];
  mobile?: VerifiedValue<string>[];
  nino?: VerifiedValue<string>;
  previousNames?: FindDataPreviousName[];
}

export interface TestUser {
  id: string;
  sub: string; // user_token sub: a fixed UUID v4
  name: string; // user_token name: sha1('cda-sim:' + id), an opaque digest
  purpose: string;
  findData: FindData;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const SHA1_HEX = /^[0-9a-f]{40}$/;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Reads and checks the test-user file. Only the envelope is checked here; the find data itself
 * is checked against the JSON Schema by the tests, so a bad edit fails CI rather than a run.
 */
export function loadTestUsers(file: string = path.join(scenariosDir, 'test-users.json')): TestUser[] {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`test users file ${file}: ${(err as Error).message}`);
  }
  if (!isObject(doc) || !Array.isArray(doc.users)) {
    throw new Error(`test users file ${file}: expected an object with a "users" array`);
  }

  const ids = new Set<string>();
  const subs = new Map<string, string>();
  return doc.users.map((raw, i): TestUser => {
    const where = isObject(raw) && typeof raw.id === 'string' ? `test user "${raw.id}"` : `test user #${i + 1}`;
    const fail = (field: string, rule: string): never => {
      throw new Error(`${file}: ${where}: field "${field}" ${rule}`);
    };
    if (!isObject(raw)) return fail('(entry)', 'must be an object');
    const { id, sub, name, purpose, findData } = raw;

    if (typeof id !== 'string' || id === '') return fail('id', 'must be a non-empty string');
    if (ids.has(id)) fail('id', 'is a duplicate');
    ids.add(id);
    if (typeof sub !== 'string' || !UUID_V4.test(sub)) return fail('sub', 'must be a UUID v4');
    const owner = subs.get(sub.toLowerCase());
    if (owner) fail('sub', `duplicates the sub of test user "${owner}"`);
    subs.set(sub.toLowerCase(), id);
    if (typeof name !== 'string' || !SHA1_HEX.test(name)) return fail('name', 'must be 40 lowercase hex characters');
    if (typeof purpose !== 'string' || purpose === '') return fail('purpose', 'must be a non-empty string');
    if (!isObject(findData)) return fail('findData', 'must be an object');

    return { id, sub, name, purpose, findData: findData as FindData };
  });
}

export function getTestUser(users: TestUser[], id: string): TestUser {
  const user = users.find((u) => u.id === id);
  if (!user) throw new Error(`unknown test user "${id}"; known: ${users.map((u) => u.id).join(', ')}`);
  return user;
}
