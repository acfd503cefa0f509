// The Stage 2 update file (DESIGN §3; test-phases §3.6): at the end of Stage 1 the PDP test team
// tells the provider how to update its matches. One instruction per affected PeI:
//   {test_id, user, pei, resource_id, action, expected_call}
// written as JSON ({run, issuedAt, instructions}) and as CSV (one row per instruction, same columns).
// Which users get an instruction, and which action, comes from the test data pack (`stage2`); which
// Stage 2 test case judges it, from the `update-applied` checks of the Stage 2 scenario.
import fs from 'node:fs';
import path from 'node:path';
import { CliError, EXIT } from '../cli/exit-codes.js';
import type { Store } from '../store/state.js';
import { expectationFor, expectedPei, recordById, type RunContext } from '../scenarios/context.js';
import type { ScenarioFile } from '../scenarios/types.js';
import type { PensionRecord } from '../testdata/records.js';

export const UPDATE_ACTIONS = ['confirm-match', 'reject-match', 'expire-possible-match', 'withdraw-match', 'remove-asset'] as const;
export type UpdateAction = (typeof UPDATE_ACTIONS)[number];

/** The C&A call each action asks for (test-phases §3.6). */
export const CALL_FOR: Record<UpdateAction, { method: 'PATCH' | 'DELETE'; deletionReason?: string }> = {
  'confirm-match': { method: 'PATCH' },
  'reject-match': { method: 'DELETE', deletionReason: 'match-no' },
  'expire-possible-match': { method: 'DELETE', deletionReason: 'match-timeout' },
  'withdraw-match': { method: 'DELETE', deletionReason: 'match-withdrawn' },
  'remove-asset': { method: 'DELETE', deletionReason: 'asset-removed' },
};

export interface UpdateInstruction {
  test_id: string;
  user: string;
  pei: string;
  /** null when the PeI was not registered in Stage 1 (the instruction cannot be carried out). */
  resource_id: string | null;
  action: UpdateAction;
  expected_call: string;
}

export interface UpdateFile {
  run: string;
  issuedAt: string;
  instructions: UpdateInstruction[];
}

/** A registration as the C&A held it when the file was issued: Stage 2 compares against it. */
export interface RegistrationSnapshot {
  resource_id: string;
  name: string;
  match_status: string;
  owner: string;
  deleted: boolean;
}

/** What a run knows about its update round: Stage 2's checks read it. */
export interface UpdateRound {
  file: UpdateFile;
  /** Epoch ms: calls from this moment on are the provider's response to the file. */
  issuedAtMs: number;
  snapshot: RegistrationSnapshot[];
  paths: { json: string; csv: string };
  /** Why the file was not applied (the --apply-updates command failed): Stage 2 then waits for nothing. */
  applyFailed?: string;
}

export function expectedCall(action: UpdateAction, resourceId: string | null): string {
  const id = resourceId ?? '{resource_id}';
  const c = CALL_FOR[action];
  return c.method === 'PATCH' ? `PATCH /rreguri/${id} {"match_status":"match-yes"}` : `DELETE /rreguri/${id}?deletion_reason=${c.deletionReason}`;
}

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

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes inside. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

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

/** Read an update file back (a paused run resumes from it), naming the field and rule at fault. */
export function readUpdateFile(file: string): UpdateFile {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`update file ${file} cannot be read: ${(err as Error).message}`, EXIT.usage);
  }
  const problems: string[] = [];
  const d = (doc ?? {}) as Partial<UpdateFile>;
  if (typeof d.run !== 'string' || !d.run) problems.push('run: is required (the run id)');
  if (typeof d.issuedAt !== 'string' || Number.isNaN(Date.parse(d.issuedAt))) problems.push('issuedAt: must be an ISO date-time');
  if (!Array.isArray(d.instructions)) problems.push('instructions: must be an array');
  for (const [n, i] of (Array.isArray(d.instructions) ? d.instructions : []).entries()) {
    const at = `instructions[${n}]`;
    for (const k of ['test_id', 'user', 'pei', 'expected_call'] as const) if (typeof i?.[k] !== 'string' || !i[k]) problems.push(`${at}.${k}: is required (a string)`);
    if (!(i?.resource_id === null || (typeof i?.resource_id === 'string' && i.resource_id))) problems.push(`${at}.resource_id: must be the resource id, or null when the PeI was not registered`);
    if (!UPDATE_ACTIONS.includes(i?.action as UpdateAction)) problems.push(`${at}.action: must be one of ${UPDATE_ACTIONS.join(', ')}`);
  }
  if (problems.length) throw new CliError(`update file ${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`, EXIT.usage);
  return d as UpdateFile;
}
