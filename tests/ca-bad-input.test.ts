// Bad input never crashes the C&A, never answers 5xx, never changes state, and always names the
// field and the rule: problem+json everywhere, the OAuth shape on /token.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { caHarness, type CaHarness } from './helpers/ca-harness.js';
import { peiName } from './helpers/fixtures.js';
import { readJournal } from '../simulator/store/journal.js';

interface Case {
  title: string;
  send: (h: CaHarness, pat: string, id: string) => Promise<{ status: number; body: any; headers: Record<string, string> }>;
  status: number;
  /** The field the answer must name (problem errors[].field), or for /token a word the description must contain. */
  names: string;
}

const big = 'x'.repeat(1024 * 1024 + 10);
/** A body sent as raw bytes with its own Content-Type and Content-Encoding. */
const rawPost = (h: CaHarness, pat: string, path: string, bytes: Buffer, encoding: string, type = 'application/json') =>
  h.request.post(path).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', type).set('Content-Encoding', encoding).serialize((b: Buffer) => b as unknown as string).send(bytes);
const okBody = () => ({ name: peiName(), description: 'SCHEME', match_status: 'match-yes', resource_scopes: ['owner', 'value'] });

const cases: Case[] = [
  {
    title: 'malformed JSON on POST /rreguri',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'application/json').send('{"name": "urn:pei:'),
    status: 400,
    names: 'body',
  },
  {
    title: 'JSON array instead of an object',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send([okBody()]),
    status: 400,
    names: 'body',
  },
  {
    title: 'wrong types (match_status a number, resource_scopes a string)',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ ...okBody(), match_status: 1, resource_scopes: 'owner' }),
    status: 400,
    names: 'resource_scopes',
  },
  {
    title: 'unknown field in the closed registration object',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ ...okBody(), expiry: '2030-01-01' }),
    status: 400,
    names: 'expiry',
  },
  {
    title: 'unknown field in PATCH',
    send: (h, pat, id) => h.request.patch(`/rreguri/${id}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ match_status: 'match-yes', note: 'x' }),
    status: 400,
    names: 'note',
  },
  {
    title: 'body over 1 MiB on /rreguri',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ ...okBody(), description: big }),
    status: 413,
    names: 'body',
  },
  {
    title: 'text/plain body on /rreguri',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'text/plain').send(JSON.stringify(okBody())),
    status: 415,
    names: 'Content-Type',
  },
  {
    title: 'form body on /perm',
    send: (h, pat, id) => h.request.post('/perm').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).type('form').send({ resource_id: id }),
    status: 415,
    names: 'Content-Type',
  },
  {
    title: 'no body on POST /rreguri',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`),
    status: 400,
    names: 'body',
  },
  {
    title: 'missing X-Request-ID on /rreguri',
    send: (h, pat) => h.request.post('/rreguri').set('Authorization', `Bearer ${pat}`).send(okBody()),
    status: 400,
    names: 'X-Request-ID',
  },
  {
    title: 'non-UUID X-Request-ID on /perm',
    send: (h, pat, id) => h.request.post('/perm').set('X-Request-ID', 'request-1').set('Authorization', `Bearer ${pat}`).send({ resource_id: id, resource_scopes: ['value', 'owner'] }),
    status: 400,
    names: 'X-Request-ID',
  },
  {
    title: 'missing X-Request-ID on GET /rreguri/{id}',
    send: (h, pat, id) => h.request.get(`/rreguri/${id}`).set('Authorization', `Bearer ${pat}`),
    status: 400,
    names: 'X-Request-ID',
  },
  {
    title: 'missing X-Request-ID on DELETE',
    send: (h, pat, id) => h.request.delete(`/rreguri/${id}?deletion_reason=match-withdrawn`).set('Authorization', `Bearer ${pat}`),
    status: 400,
    names: 'X-Request-ID',
  },
  {
    title: 'malformed bearer on /introspect',
    send: (h) => h.request.post('/introspect').set('X-Request-ID', randomUUID()).set('Authorization', 'Bearer a b c').type('form').send({ token: 'x' }),
    status: 401,
    names: 'Authorization',
  },
  {
    title: 'a PAT-shaped JWT that this C&A never issued',
    send: async (h) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${await h.rogueSigner.sign({ sub: 'x' })}`).send(okBody()),
    status: 401,
    names: 'Authorization',
  },
  {
    title: 'a user token used as a PAT',
    send: async (h) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${await h.userToken('CP01')}`).send(okBody()),
    status: 401,
    names: 'Authorization',
  },
  {
    title: 'method not defined (PUT /rreguri/{id})',
    send: (h, pat, id) => h.request.put(`/rreguri/${id}`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send(okBody()),
    status: 405,
    names: 'method',
  },
  {
    title: 'unknown path',
    send: (h) => h.request.get('/rreguri-typo').set('X-Request-ID', randomUUID()),
    status: 404,
    names: 'path',
  },
  {
    title: '/token: malformed form encoding is still an OAuth error',
    send: (h) => h.request.post('/token').set('X-Request-ID', randomUUID()).set('Content-Type', 'application/x-www-form-urlencoded; charset=utf-16').send('grant_type=x'),
    status: 415,
    names: 'Content-Type',
  },
  {
    title: '/token: JSON body',
    send: (h) => h.request.post('/token').set('X-Request-ID', randomUUID()).send({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }),
    status: 415,
    names: 'Content-Type',
  },
  {
    title: '/token: body over 1 MiB',
    send: (h) => h.request.post('/token').set('X-Request-ID', randomUUID()).type('form').send({ grant_type: 'x', assertion: big }),
    status: 413,
    names: 'body',
  },
  {
    title: '/token: missing X-Request-ID',
    send: async (h) => h.request.post('/token').type('form').send({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await h.userToken('CP01') }),
    status: 400,
    names: 'X-Request-ID',
  },
  {
    title: '/token: grant_type given twice',
    send: (h) => h.request.post('/token?grant_type=a').set('X-Request-ID', randomUUID()).type('form').send('grant_type=b&grant_type=c'),
    status: 400,
    names: 'grant_type',
  },
  {
    title: 'JSON nested 10,000 levels deep on DELETE /rreguri/{id} (the nesting is refused before parsing, and the PeI stays)',
    send: (h, pat, id) => h.request.delete(`/rreguri/${id}?deletion_reason=asset-removed`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'application/json').send('['.repeat(10000) + ']'.repeat(10000)),
    status: 400,
    names: 'body',
  },
  {
    title: 'JSON nested 10,000 levels deep on POST /rreguri',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'application/json').send(`{"name":${'['.repeat(10000)}${']'.repeat(10000)}}`),
    status: 400,
    names: 'body',
  },
  {
    title: 'a valid body on DELETE /rreguri/{id}, which takes none',
    send: (h, pat, id) => h.request.delete(`/rreguri/${id}?deletion_reason=asset-removed`).set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ reason: 'x' }),
    status: 400,
    names: 'body',
  },
  {
    title: 'bad %-encoding in the resource id',
    send: (h, pat) => h.request.get('/rreguri/%E0%A4%A').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`),
    status: 400,
    names: 'resource_id',
  },
  {
    title: 'charset=utf-7 on POST /rreguri',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'application/json; charset=utf-7').send(JSON.stringify(okBody())),
    status: 415,
    names: 'Content-Type',
  },
  {
    title: 'invalid UTF-8 in a JSON body',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'application/json').serialize((b: Buffer) => b as unknown as string).send(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])),
    status: 400,
    names: 'body',
  },
  {
    title: 'a NUL character escaped in a JSON string',
    send: (h, pat) => h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'application/json').send(JSON.stringify({ ...okBody(), description: 'A\u0000B' })),
    status: 400,
    names: 'body',
  },
  {
    title: '/introspect: a form with invalid UTF-8',
    send: (h, pat) => h.request.post('/introspect').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).set('Content-Type', 'application/x-www-form-urlencoded').serialize((b: Buffer) => b as unknown as string).send(Buffer.from([0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x3d, 0xc3, 0x28])),
    status: 400,
    names: 'body',
  },
  {
    title: 'a gzip body that inflates past 1 MiB (a compression bomb)',
    send: (h, pat) => rawPost(h, pat, '/rreguri', zlib.gzipSync(JSON.stringify({ ...okBody(), description: 'x'.repeat(20 * 1024 * 1024) })), 'gzip'),
    status: 413,
    names: 'body',
  },
  {
    title: 'a Content-Encoding cda-sim does not decode',
    send: (h, pat) => rawPost(h, pat, '/rreguri', Buffer.from(JSON.stringify(okBody())), 'compress'),
    status: 415,
    names: 'Content-Encoding',
  },
  {
    title: 'a body that says gzip but is not',
    send: (h, pat) => rawPost(h, pat, '/rreguri', Buffer.from(JSON.stringify(okBody())), 'gzip'),
    status: 400,
    names: 'body',
  },
  {
    title: '/token: a gzip form that inflates past 1 MiB',
    send: (h, pat) => rawPost(h, pat, '/token', zlib.gzipSync(`grant_type=x&assertion=${'x'.repeat(2 * 1024 * 1024)}`), 'gzip', 'application/x-www-form-urlencoded'),
    status: 413,
    names: '1 MiB',
  },
];

for (const c of cases) {
  test(`bad input: ${c.title} → ${c.status}, names ${c.names}, changes nothing`, async () => {
    const h = await caHarness();
    const pat = await h.pat('CP01');
    const id = await h.registered(pat, { match_status: 'match-yes' });
    const before = JSON.stringify(h.store.data);
    const res = await c.send(h, pat, id);
    assert.is(res.status, c.status, JSON.stringify(res.body));
    const isToken = c.title.startsWith('/token');
    if (isToken) {
      assert.is(res.body.error, 'invalid_request');
      assert.ok(String(res.body.error_description).includes(c.names), res.body.error_description);
    } else {
      assert.is(res.headers['content-type'].split(';')[0], 'application/problem+json');
      assert.is(res.body.status, c.status);
      const fields = res.body.errors.map((e: { field?: string }) => e.field);
      assert.ok(fields.includes(c.names), `expected ${c.names} in ${JSON.stringify(res.body.errors)}`);
      for (const e of res.body.errors) assert.ok(e.code && e.detail, 'each violation has a code and a rule');
    }
    assert.is(JSON.stringify(h.store.data), before, 'state must not change');
    await h.close();
  });
}

test('a violation answer names every broken field at once (not just the first)', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const res = await h.request.post('/perm').set('X-Request-ID', 'nope').set('Authorization', `Bearer ${pat}`).send({ resource_scopes: ['value'], extra: true });
  assert.is(res.status, 400);
  const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
  assert.equal(fields, ['X-Request-ID', 'extra', 'resource_id', 'resource_scopes']);
  await h.close();
});

test('a gzip-compressed registration is read as the JSON it holds', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const res = await rawPost(h, pat, '/rreguri', zlib.gzipSync(JSON.stringify(okBody())), 'gzip');
  assert.is(res.status, 201, JSON.stringify(res.body));
  assert.ok(h.store.resource(res.body.resource_id), 'registered');
  await h.close();
});

test('an escaped backslash before u0000 is text, not a NUL: the registration keeps it as written', async () => {
  const h = await caHarness();
  const pat = await h.pat('CP01');
  const description = 'A\\u0000B \\\\\\u0000'; // backslashes then u0000, as text: its JSON escapes each backslash, so no NUL escape is sent
  const res = await h.request.post('/rreguri').set('X-Request-ID', randomUUID()).set('Authorization', `Bearer ${pat}`).send({ ...okBody(), description });
  assert.is(res.status, 201, JSON.stringify(res.body));
  assert.is(h.store.resource(res.body.resource_id)?.description, description);
  await h.close();
});

test('the journal keeps rejected requests too, before any check ran', async () => {
  const h = await caHarness();
  const rid = randomUUID();
  await h.request.post('/rreguri').set('X-Request-ID', rid).set('Content-Type', 'application/json').send('{oops');
  const entries = await readJournal(h.journal.file, { requestId: rid });
  assert.is(entries.length, 1);
  assert.is(entries[0].status, 400);
  assert.is(entries[0].method, 'POST');
  assert.is(entries[0].direction, 'in');
  assert.is(entries[0].requestHeaders['content-type'], 'application/json');
  assert.is((entries[0].responseBody as { errors: { code: string }[] }).errors[0].code, 'MALFORMED_JSON');
  await h.close();
});

test.run();
