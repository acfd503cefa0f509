// Writing the Stage 2 update file (its model: scenarios/update-file.ts) at the end of Stage 1:
// JSON ({run, issuedAt, instructions}) and CSV (one row per instruction, same columns).
// Which users get an instruction, and which action, comes from the test data pack (`stage2`); which
// Stage 2 test case judges it, from the `update-applied` checks of the Stage 2 scenario.
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/state.js';
import { expectationFor, expectedPei, recordById, type RunContext } from '../scenarios/context.js';
import type { ScenarioFile } from '../scenarios/types.js';
import type { PensionRecord } from '../testdata/records.js';
import { csvField } from '../core/csv.js';
import { expectedCall, type RegistrationSnapshot, type UpdateAction, type UpdateFile, type UpdateInstruction } from '../scenarios/update-file.js';

export function snapshotRegistrations(store: Store): RegistrationSnapshot[] {
  return store.resources().map((r) => ({ resource_id: r.resource_id, name: r.name, match_status: r.match_status, owner: r.owner, deleted: !!r.deleted_at }));
}

/** The users the Stage 2 scenario judges, with the test case that judges each. */
function judgedUsers(stage2: ScenarioFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const tc of stage2.testCases) for (const e of tc.expect) if (e.check === 'update-applied') out.set(e.user, tc.id);
  return out;
}

/** One instruction: the PeI the provider should hold for the record, and the call the action asks for. */
export function instructionFor(ctx: RunContext, testId: string, user: string, record: PensionRecord, action: UpdateAction): UpdateInstruction {
  const pei = expectedPei(ctx, record);
  const resourceId = ctx.sim.store.liveResourceByName(pei)?.resource_id ?? null;
  return { test_id: testId, user, pei, resource_id: resourceId, action, expected_call: expectedCall(action, resourceId) };
}

export function buildUpdateFile(ctx: RunContext, stage2: ScenarioFile, runId: string, issuedAtMs: number): UpdateFile {
  const instructions: UpdateInstruction[] = [];
  for (const [user, testId] of judgedUsers(stage2)) {
    const expectation = expectationFor(ctx, user);
    if (!expectation.stage2) throw new Error(`the Stage 2 scenario judges ${user}'s update, but the test data pack gives ${user} no stage2 action`);
    for (const recordId of expectation.records) instructions.push(instructionFor(ctx, testId, user, recordById(ctx, recordId), expectation.stage2));
  }
  return { run: runId, issuedAt: new Date(issuedAtMs).toISOString(), instructions };
}

const COLUMNS = ['test_id', 'user', 'pei', 'resource_id', 'action', 'expected_call'] as const;

export function toCsv(file: UpdateFile): string {
  const rows = file.instructions.map((i) => COLUMNS.map((c) => csvField(i[c] ?? '')).join(','));
  return [COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function writeUpdateFile(dir: string, file: UpdateFile): { json: string; csv: string } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const json = path.join(dir, 'update-file.json');
  const csv = path.join(dir, 'update-file.csv');
  writeAtomic(json, JSON.stringify(file, null, 2) + '\n');
  writeAtomic(csv, toCsv(file));
  return { json, csv };
}
