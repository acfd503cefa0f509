// `cda-sim testdata --format json|csv --out DIR`: the pack a provider loads, exported; the JSON
// export loads back as a pack (the reference provider's loader reads it). And the update file's
// reader names the field and rule at fault.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { runCli as cli } from './helpers/cli-in-process.js';
import { loadTestData } from '../simulator/testdata/records.js';
import { readUpdateFile } from '../simulator/scenarios/update-file.js';
import { checkViewData } from '../simulator/dashboard/view-data-check.js';
import { tempDir } from './helpers/fixtures.js';


/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return rows;
}

test('JSON: users with find data, records with GUIDs, scheme names and valid view data, expected outcomes; loads back as a pack', async () => {
  const out = tempDir();
  const r = await cli(['testdata', '--format', 'json', '--out', out]);
  assert.is(r.code, 0, r.out);
  const file = path.join(out, 'testdata.json');
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(doc.users.filter((u: { id: string }) => /^IT\d\d$/.test(u.id)).length >= 16);
  for (const u of doc.users) assert.ok(u.findData && u.sub, u.id);
  for (const rec of doc.records) {
    assert.is(rec.pei, `urn:pei:${rec.holdernameGuid}:${rec.assetGuid}`);
    assert.ok(rec.holdername && rec.schemeName, rec.recordId);
    assert.equal(checkViewData(rec.viewData, { schemeName: rec.schemeName, possibleMatch: false }), [], rec.recordId);
  }
  const back = loadTestData(file);
  assert.is(back.records.length, loadTestData().records.length);
  assert.equal(back.expectations, loadTestData().expectations);
  assert.ok(back.expectations.every((e) => e.reason.length > 20));
});

test('CSV: users, records and expectations, one row each, quoted where needed', async () => {
  const out = tempDir();
  const r = await cli(['testdata', '--format', 'csv', '--out', out]);
  assert.is(r.code, 0, r.out);
  assert.equal(fs.readdirSync(out).sort(), ['expectations.csv', 'records.csv', 'users.csv']);
  const pack = loadTestData();
  const records = parseCsv(fs.readFileSync(path.join(out, 'records.csv'), 'utf8'));
  assert.equal(records[0].slice(0, 6), ['record_id', 'holdername_guid', 'holdername', 'asset_guid', 'pei', 'scheme_name']);
  assert.is(records.length - 1, pack.records.length);
  const viewCol = records[0].indexOf('view_data_json');
  assert.equal(JSON.parse(records[1][viewCol]), pack.records[0].viewData);
  const expectations = parseCsv(fs.readFileSync(path.join(out, 'expectations.csv'), 'utf8'));
  const it03 = expectations.find((row) => row[0] === 'IT03')!;
  assert.equal(it03.slice(0, 4), ['IT03', 'match-possible', 'REC-IT03-1', 'confirm-match']);
  const users = parseCsv(fs.readFileSync(path.join(out, 'users.csv'), 'utf8'));
  const it09 = users.find((row) => row[0] === 'IT09')!;
  assert.is(it09[users[0].indexOf('previous_last_names')], 'PEMBERTON');
});

test('a bad format or a missing --out is a usage error naming the option', async () => {
  const bad = await cli(['testdata', '--format', 'xml', '--out', path.join(tempDir(), 'x')]);
  assert.is(bad.code, 2);
  assert.match(bad.out, /format/);
  const missing = await cli(['testdata', '--format', 'csv']);
  assert.is(missing.code, 2);
  assert.match(missing.out, /out/);
});

test('rehearse --only with an id no scenario has is a usage error naming it', async () => {
  const r = await cli(['rehearse', '--ci', '--only', 'S1-01', 'S9-99', '--state-dir', tempDir(), '--certs-dir', tempDir()]);
  assert.is(r.code, 2);
  assert.match(r.out, /--only S9-99 matches no test case of the scenarios chosen \(connection-proving, stage1, stage2\)/);
});

test('an update file that is not well formed is refused, naming each field and rule', () => {
  const file = path.join(tempDir(), 'update-file.json');
  fs.writeFileSync(file, JSON.stringify({ run: 'r1', issuedAt: 'yesterday', instructions: [{ test_id: 'S2-01', user: 'IT03', pei: 'urn:pei:a:b', resource_id: '', action: 'promote', expected_call: 'PATCH' }] }));
  let message = '';
  try {
    readUpdateFile(file);
  } catch (err) {
    message = (err as Error).message;
  }
  assert.match(message, /issuedAt: must be an ISO date-time/);
  assert.match(message, /instructions\[0\]\.resource_id: must be the resource id, or null/);
  assert.match(message, /instructions\[0\]\.action: must be one of confirm-match, reject-match/);
});

test.run();
