// The baseline for `npm run bench`: the cheapest express 5 app that can answer POST /rreguri.
// It parses the JSON body (any real handler must read it) and answers a fixed 201 JSON, so the
// ratio cda-sim / bare measures what cda-sim adds on top of express itself.
// Run as its own process, like cda-sim, so it never shares an event loop with the load generator.
import express from 'express';
import type { AddressInfo } from 'node:net';

const app = express();
app.disable('x-powered-by');
app.post('/rreguri', express.json(), (_req, res) => {
  res.status(201).json({ resource_id: 'a9f2c6d4-3b1e-4f7a-9c2d-5e8b7a6f1d031' });
});

const server = app.listen(0, '127.0.0.1', () => {
  // The same "label: url" shape cda-sim prints, so one parser reads both.
  console.log(`bare express (HTTP): http://localhost:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // keep-alive sockets would hold close() open
});
