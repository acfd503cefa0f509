// The test data pack as a provider loads it (DESIGN §3 "Test data"; test-phases §3.3): every test
// user with their find data, the pension records to load (holdername GUID, asset GUID, scheme name,
// full view data) and the expected outcome with its reason. JSON is one self-contained file; CSV is
// three files (users, records, expectations), a view data column holding the view data as JSON.
import fs from 'node:fs';
import path from 'node:path';
import { csvField } from '../core/csv.js';
import { peiNameOf, type TestDataPack } from './records.js';
import type { TestUser } from './users.js';

export type ExportFormat = 'json' | 'csv';

function csv(header: string[], rows: (string | number | boolean | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map((v) => csvField(v === undefined ? '' : String(v))).join(',')).join('\r\n') + '\r\n';
}

/** Only the users the pack says something about: what a provider must set up. */
function packUsers(pack: TestDataPack, users: TestUser[]): TestUser[] {
  const named = new Set(pack.expectations.map((e) => e.user));
  return users.filter((u) => named.has(u.id));
}

export function exportJson(pack: TestDataPack, users: TestUser[]) {
  const holder = new Map(pack.holdernames.map((h) => [h.holdernameGuid, h.name]));
  return {
    version: pack.version,
    holdernames: pack.holdernames,
    users: packUsers(pack, users).map((u) => ({ id: u.id, sub: u.sub, purpose: u.purpose, findData: u.findData })),
    records: pack.records.map((r) => ({ ...r, holdername: holder.get(r.holdernameGuid), pei: peiNameOf(r) })),
    expectations: pack.expectations,
  };
}

export function exportCsv(pack: TestDataPack, users: TestUser[]): Record<string, string> {
  const u = packUsers(pack, users).map((x) => {
    const f = x.findData;
    const current = f.addresses?.find((a) => a.current);
    return [
      x.id, x.sub, f.name?.firstName, f.name?.lastName, f.dateOfBirth?.value, f.nino?.value, f.nino?.verified,
      current ? [current.addressLine1, current.addressLine2, current.addressLine3, current.addressLine4, current.addressLine5].filter(Boolean).join(', ') : undefined,
      current?.postcode, (f.addresses ?? []).filter((a) => !a.current).map((a) => a.postcode).filter(Boolean).join(' '),
      (f.previousNames ?? []).map((p) => p.lastName).join(' '), (f.email ?? []).map((e) => e.value).join(' '), (f.mobile ?? []).map((m) => m.value).join(' '),
      JSON.stringify(f), x.purpose,
    ];
  });
  const holder = new Map(pack.holdernames.map((h) => [h.holdernameGuid, h.name]));
  const r = pack.records.map((x) => {
    const a = x.viewData.arrangements[0] ?? {};
    return [
      x.recordId, x.holdernameGuid, holder.get(x.holdernameGuid), x.assetGuid, peiNameOf(x), x.schemeName, String(a.pensionType ?? ''),
      x.member.firstName, x.member.lastName, x.member.dateOfBirth, x.member.nino, x.member.postcode, x.member.addressLine1, (x.member.previousLastNames ?? []).join(' '),
      x.possibleMatchReference, JSON.stringify(x.viewData),
    ];
  });
  const e = pack.expectations.map((x) => [x.user, x.outcome, x.records.join(' '), x.stage2, x.reason]);
  return {
    'users.csv': csv(['user', 'sub', 'first_name', 'last_name', 'date_of_birth', 'nino', 'nino_verified', 'current_address', 'current_postcode', 'previous_postcodes', 'previous_last_names', 'email', 'mobile', 'find_data_json', 'purpose'], u),
    'records.csv': csv(['record_id', 'holdername_guid', 'holdername', 'asset_guid', 'pei', 'scheme_name', 'pension_type', 'member_first_name', 'member_last_name', 'member_date_of_birth', 'member_nino', 'member_postcode', 'member_address_line1', 'member_previous_last_names', 'possible_match_reference', 'view_data_json'], r),
    'expectations.csv': csv(['user', 'outcome', 'records', 'stage2_action', 'reason'], e),
  };
}

/** Write the pack into `dir`; returns the files written. */
export function writeTestData(dir: string, format: ExportFormat, pack: TestDataPack, users: TestUser[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files = format === 'json' ? { 'testdata.json': JSON.stringify(exportJson(pack, users), null, 2) + '\n' } : exportCsv(pack, users);
  return Object.entries(files).map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
    return file;
  });
}
