// The Stage 2 update file (DESIGN §3; test-phases §3.6): at the end of Stage 1 the PDP test team
// tells the provider how to update its matches. One instruction per affected PeI:
//   {test_id, user, pei, resource_id, action, expected_call}
// This is the file's model, which Stage 2's checks judge against; rehearsal/update-file.ts builds
// and writes it (JSON {run, issuedAt, instructions}, and CSV with the same columns).
import fs from 'node:fs';
import { CliError, EXIT } from '../core/exit-codes.js';

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
