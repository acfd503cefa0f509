// The cheapest honest receiver of find requests, for measuring the PFS driver itself: HTTPS with
// mutual TLS (a client certificate from the cda-sim CA is required, as a provider requires it), the
// body read and answered 202 only when it carries two compact JWS and an X-Request-ID never seen
// before (a repeated or unsigned find is answered 400, and the bench counts only 202s). One find in
// SAMPLE_EVERY has both signatures verified against the PFS key, so the finds are proven to be
// signed without the sink spending the driver's CPU on verifying all of them.
// Its own process, like a provider. Prints "find sink: <url>"; GET /counts tells what it saw; HEAD
// answers 200 (the soak's reachability check).
//
//   node dist/bench/find-sink.js --certs-dir DIR
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { systemClock } from '../simulator/core/clock.js';
import { createVerifier } from '../simulator/crypto/jose.js';
import { ensureMaterial } from '../simulator/crypto/material.js';

const SAMPLE_EVERY = 50;
const MAX_BODY_BYTES = 64 * 1024;
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const { values } = parseArgs({ options: { 'certs-dir': { type: 'string' } } });
if (!values['certs-dir']) {
  console.error('find-sink: --certs-dir is required');
  process.exit(2);
}
const { material } = await ensureMaterial(values['certs-dir'], { clock: systemClock });
const pfsVerifier = await createVerifier([material.keys.pfs.public]);

const counts = { acknowledged: 0, refused: 0, verified: 0, connections: 0, resumedSessions: 0 };
const seen = new Set<string>();

/** Why a find is not acknowledged, or undefined when it is. */
async function refusal(requestId: string | undefined, body: string): Promise<string | undefined> {
  if (!requestId || seen.has(requestId)) return 'X-Request-ID missing or seen before';
  seen.add(requestId);
  let tokens: { user_token?: unknown; find_request_token?: unknown };
  try {
    tokens = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  const pair = [tokens.user_token, tokens.find_request_token];
  if (!pair.every((t) => typeof t === 'string' && JWS.test(t))) return 'user_token and find_request_token must be compact JWS';
  if ((counts.acknowledged + counts.refused) % SAMPLE_EVERY !== 0) return undefined;
  try {
    for (const t of pair) await pfsVerifier.verify(t as string);
    counts.verified++;
    return undefined;
  } catch (err) {
    return `a token does not verify with the PFS key: ${(err as Error).message}`;
  }
}

const server = https.createServer(
  { key: material.server.key, cert: material.server.cert, ca: [material.ca.cert], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
  (req, res) => {
    if (req.method === 'GET' && req.url === '/counts') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(counts));
      return;
    }
    // The soak first checks the find URL answers at all (HEAD): not a find.
    if (req.method === 'HEAD') return void res.writeHead(200).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', async () => {
      const why = await refusal(req.headers['x-request-id'] as string | undefined, Buffer.concat(chunks).toString('utf8'));
      if (why) counts.refused++;
      else counts.acknowledged++;
      res.writeHead(why ? 400 : 202, { 'Content-Type': 'application/json' }).end(why ? JSON.stringify({ error: why }) : '');
    });
  },
);
server.on('secureConnection', (socket) => {
  counts.connections++;
  if (socket.isSessionReused()) counts.resumedSessions++;
});
server.listen(0, '127.0.0.1', () => console.log(`find sink: https://localhost:${(server.address() as AddressInfo).port}/find`));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
