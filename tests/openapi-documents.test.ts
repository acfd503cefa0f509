// Every shipped OpenAPI document is valid OpenAPI (checked against the meta-schema): at run time
// cda-sim skips that check to start faster, so it happens here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadApi } from '../simulator/http/spec-app.js';
import { openapiDir } from '../simulator/core/paths.js';

const documents = fs.readdirSync(openapiDir).filter((f) => /\.ya?ml$/.test(f));

test('there are OpenAPI documents to check', () => {
  assert.ok(documents.includes('ca.yaml'));
  assert.ok(documents.includes('admin.yaml'));
});

for (const doc of documents) {
  test(`${doc} is valid OpenAPI 3.0 with every operation named`, async () => {
    const api = await loadApi(path.join(openapiDir, doc), { checkDocument: true });
    for (const op of api.getOperations()) assert.ok(op.operationId, `${op.method} ${op.path} has no operationId`);
  });
}

test('a broken document is refused when checked', async () => {
  const broken = path.join(fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'cda-sim-oas-')), 'broken.yaml');
  fs.writeFileSync(broken, 'openapi: 3.0.3\ninfo: {title: x}\npaths:\n  /x:\n    get:\n      responses: {}\n');
  let failed = false;
  try {
    await loadApi(broken, { checkDocument: true });
  } catch {
    failed = true;
  }
  assert.ok(failed, 'an info without version must be refused');
});

test.run();
