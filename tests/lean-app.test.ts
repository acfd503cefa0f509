// The lean app the C&A runs on: express's request/response API where cda-sim uses it, answered the
// same whether the server built the request as the app's own class (the listeners do: no
// re-prototyping on the hot path) or as node's (a test's supertest).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLeanApp, withCharset, type ErrorMiddleware } from '../simulator/http/lean-app.js';
import { listenHttp } from '../simulator/http/listeners.js';

function demoApp() {
  const app = createLeanApp();
  app.use((req, res, next) => {
    if (req.path === '/echo') return void res.status(202).set({ 'X-One': '1' }).location('/a b?c=%20').json({ path: req.path, query: req.query, protocol: req.protocol, rid: req.get('X-Request-ID') ?? null });
    if (req.path === '/problem') return void res.status(400).type('application/problem+json').json({ status: 400 });
    if (req.path === '/text') return void res.type('text/plain').send('plain words');
    if (req.path === '/throw') throw new Error('thrown');
    if (req.path === '/reject') return Promise.reject(new Error('rejected'));
    next();
  });
  // Four parameters make an error handler, as in express.
  const caught: ErrorMiddleware = (err, _req, res, _next) => res.status(500).json({ caught: (err as Error).message });
  app.use(caught);
  return app;
}

async function ask(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  const keep = ['content-type', 'location', 'x-one', 'content-length'];
  return { status: res.status, headers: Object.fromEntries(keep.map((k) => [k, res.headers.get(k)])), body: await res.text() };
}

test('answers are the same on the app’s own classes and on node’s, and the listener builds the own ones', async () => {
  const app = demoApp();
  // Whether each request arrived as the app's own class, before the app could adopt it.
  const arrived: Record<string, boolean[]> = { own: [], foreign: [] };
  const watching = (which: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    arrived[which].push(req instanceof app.classes.IncomingMessage);
    app(req, res);
  };
  const own = await listenHttp(watching('own'), { host: '127.0.0.1', port: 0, classes: app.classes });
  const foreign = http.createServer(watching('foreign')).listen(0, '127.0.0.1');
  await new Promise((r) => foreign.once('listening', r));
  const foreignBase = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  try {
    for (const path of ['/echo?x=1&x=2&y=%C3%A9', '/problem', '/text', '/throw', '/reject', '/nowhere']) {
      const a = await ask(own.url, path, { 'X-Request-ID': 'r-1' });
      const b = await ask(foreignBase, path, { 'X-Request-ID': 'r-1' });
      if (path.startsWith('/echo')) {
        const [ja, jb] = [JSON.parse(a.body), JSON.parse(b.body)];
        assert.equal(ja, jb);
        assert.equal(ja.query, { x: ['1', '2'], y: 'é' });
        assert.is(ja.path, '/echo');
        assert.is(ja.rid, 'r-1');
        assert.equal({ ...a, body: '' }, { ...b, body: '' }, path);
      } else assert.equal(a, b, path);
    }
    assert.ok(arrived.own.length === 6 && arrived.own.every(Boolean), 'the listener built every request as the app’s class');
    assert.ok(arrived.foreign.length === 6 && !arrived.foreign.some(Boolean), 'node built them; the app adopted them');
    const echo = await ask(own.url, '/echo');
    assert.is(echo.status, 202);
    assert.is(echo.headers.location, '/a%20b?c=%20', 'Location is encoded, existing escapes kept');
    assert.is(echo.headers['x-one'], '1');
    assert.is((await ask(own.url, '/problem')).headers['content-type'], 'application/problem+json');
    assert.is((await ask(own.url, '/text')).headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(JSON.parse((await ask(own.url, '/throw')).body), { caught: 'thrown' });
    assert.equal(JSON.parse((await ask(own.url, '/reject')).body), { caught: 'rejected' });
    assert.is((await ask(own.url, '/nowhere')).status, 404, 'past every handler: 404');
  } finally {
    await own.close();
    foreign.closeAllConnections();
    foreign.close();
  }
});

test('a request in absolute form has the path of its URL', async () => {
  const app = demoApp();
  const server = await listenHttp(app, { host: '127.0.0.1', port: 0, classes: app.classes });
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: `http://localhost:${server.port}/echo?q=1`, method: 'GET' }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolve(text));
      });
      req.on('error', reject).end();
    });
    assert.equal(JSON.parse(body).path, '/echo');
    assert.equal(JSON.parse(body).query, { q: '1' });
  } finally {
    await server.close();
  }
});

test('Content-Types carry charset=utf-8 where express writes it', () => {
  assert.is(withCharset('application/json'), 'application/json; charset=utf-8');
  assert.is(withCharset('application/problem+json'), 'application/problem+json', 'as express: mime-types gives +json types no charset');
  assert.is(withCharset('text/plain'), 'text/plain; charset=utf-8');
  assert.is(withCharset('application/octet-stream'), 'application/octet-stream');
  assert.is(withCharset('text/plain; charset=iso-8859-1'), 'text/plain; charset=iso-8859-1');
});

test.run();
