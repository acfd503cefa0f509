// How replay compares a recorded answer with a replayed one: by shape (paths and types), with a
// JWS read for its header's alg and its claims' shape, and each difference named once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffShapes, shapeOf } from '../simulator/runs/replay.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const token = (alg: string, claims: object, sig = 'c2ln') => `${b64({ alg })}.${b64(claims)}.${alg === 'none' ? '' : sig}`;
const diff = (a: unknown, b: unknown) => diffShapes(shapeOf(a), shapeOf(b), 'body');

test('values may change; shapes may not', () => {
  assert.equal(diff({ status: 401, errors: [{ code: 'A' }] }, { status: 403, errors: [{ code: 'B' }, { code: 'C' }] }), []);
  assert.equal(diff({ status: 401 }, { status: '401' }), ['body status was number, now string']);
});

test('a view data token: alg and claims are compared, the signature is not', () => {
  const recorded = { view_data_token: token('RS256', { iss: 'p', view_data: { arrangements: [{ a: 1 }] } }) };
  assert.equal(diff(recorded, { view_data_token: token('RS256', { iss: 'q', view_data: { arrangements: [{ a: 2 }] } }, 'b3RoZXI') }), []);
  assert.equal(diff(recorded, { view_data_token: token('none', { iss: 'p', view_data: { arrangements: [{ a: 1 }] } }) }), ['body view_data_token#header.alg was "RS256", now "none"']);
  assert.equal(diff(recorded, { view_data_token: token('RS256', { iss: 'p' }) }), ['body view_data_token#claims.view_data (object) is gone']);
});

test('a part gone or new is named once, not with every member under it; long lists are cut', () => {
  const recorded = { view_data_token: token('RS256', { view_data: { arrangements: [{ a: 1, b: { c: 2 } }] } }) };
  const problem = { type: 'x', title: 'y', status: 403, errors: [{ code: 'c', field: 'f', detail: 'd' }] };
  assert.equal(diff(recorded, problem), [
    'body view_data_token (JWS) is gone',
    'body type (string) is new',
    'body title (string) is new',
    'body status (number) is new',
    'body errors (array) is new',
  ]);
  assert.equal(diff({ view_data_token: token('RS256', {}) }, { view_data_token: 'not-a-token' }), ['body view_data_token was JWS, now string']);
  const wide = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
  const d = diff({ x: 0 }, { x: 0, ...wide });
  assert.is(d.length, 9);
  assert.is(d.at(-1), '… and 4 more difference(s) in the body');
});

test.run();
