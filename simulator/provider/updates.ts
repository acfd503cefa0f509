// Acting on PDP's Stage 2 update file (DESIGN §3 "Stage 2 update file"; test-phases §3.6): at the
// end of Stage 1 the PDP test team sends a file telling the provider how to update its matches. For
// each instruction the provider makes ONE change at the C&A, with the PAT of the user who owns the
// PeI (pitfall P7), retrying 429 and 5xx as it does for registrations (retry.ts), stopping on 401
// or 404, and updates its own records to match:
//
//   confirm-match           PATCH  /rreguri/{id}  {"match_status": "match-yes"}   → now a definite match
//   reject-match            DELETE /rreguri/{id}?deletion_reason=match-no         → PeI forgotten
//   expire-possible-match   DELETE /rreguri/{id}?deletion_reason=match-timeout    → PeI forgotten
//   withdraw-match          DELETE /rreguri/{id}?deletion_reason=match-withdrawn  → PeI forgotten
//   remove-asset            DELETE /rreguri/{id}?deletion_reason=asset-removed    → PeI forgotten
//
// The provider goes by its own records: the PeI is looked up by name, and the resource_id it was
// given at registration is the one used (the file's is only cross-checked).
import fs from 'node:fs';
import type { CaClient } from './ca-client.js';
import type { Faults } from './faults.js';
import type { ProviderStore } from './store.js';

export const UPDATE_ACTIONS = ['confirm-match', 'reject-match', 'expire-possible-match', 'withdraw-match', 'remove-asset'] as const;
export type UpdateAction = (typeof UPDATE_ACTIONS)[number];

/** The deletion reason each deleting action sends; confirm-match is a PATCH to match-yes. */
const DELETION_REASON: Record<Exclude<UpdateAction, 'confirm-match'>, string> = {
  'reject-match': 'match-no',
  'expire-possible-match': 'match-timeout',
  'withdraw-match': 'match-withdrawn',
  'remove-asset': 'asset-removed',
};

export interface UpdateInstruction {
  assetGuid: string;
  action: UpdateAction;
}

export interface UpdateDeps {
  ca: CaClient;
  store: ProviderStore;
  log: (line: string) => void;
  faults?: Faults;
}

export async function applyUpdate(deps: UpdateDeps, u: UpdateInstruction): Promise<{ ok: boolean; why?: string }> {
  const what = `update ${u.action} ${u.assetGuid}`;
  const pei = deps.store.pei(u.assetGuid);
  if (!pei) return { ok: false, why: 'no PeI is registered for this asset' };
  const pat = deps.store.pat(pei.owner)?.token;
  if (!pat) return { ok: false, why: 'the owner’s PAT is not on file' };
  let reason = u.action === 'confirm-match' ? undefined : DELETION_REASON[u.action];
  // FAULT (for cda-sim's own tests): one deletion reason for everything (asset-removed is allowed from either status).
  if (reason && deps.faults?.has('wrong-deletion-reason')) reason = 'asset-removed';
  const out = reason === undefined ? await deps.ca.updatePei(pat, pei.resourceId, what) : await deps.ca.deletePei(pat, pei.resourceId, reason, what);
  if (!out.ok) {
    deps.log(`${what}: NOT applied (${out.why ?? 'unknown reason'})`);
    return { ok: false, why: out.why };
  }
  if (u.action === 'confirm-match') deps.store.putPei({ ...pei, matchStatus: 'match-yes' });
  else deps.store.forgetPei(u.assetGuid);
  deps.log(`${what}: applied (${out.answer?.status})`);
  return { ok: true };
}

export interface AppliedUpdate {
  pei: string;
  action: string;
  ok: boolean;
  why?: string;
}

/** Apply every instruction of an update file (JSON: {instructions: [{pei, resource_id, action, …}]}). */
export async function applyUpdateFile(deps: UpdateDeps, file: string): Promise<AppliedUpdate[]> {
  return applyUpdateDocument(deps, JSON.parse(fs.readFileSync(file, 'utf8')), file);
}

/** Apply every instruction of an update file already read (`label` names it in the log). */
export async function applyUpdateDocument(deps: UpdateDeps, doc: unknown, label: string): Promise<AppliedUpdate[]> {
  const instructions = (doc as { instructions?: unknown })?.instructions;
  if (!Array.isArray(instructions)) throw new Error(`${label}: "instructions" must be an array`);
  // FAULT (for cda-sim's own tests): the file is received and ignored.
  if (deps.faults?.has('ignore-update-file')) {
    deps.log(`update file ${label}: ${instructions.length} instruction(s) IGNORED`);
    return [];
  }
  const done: AppliedUpdate[] = [];
  for (const i of instructions as { pei?: unknown; resource_id?: unknown; action?: unknown }[]) {
    const name = String(i?.pei ?? '');
    const action = String(i?.action ?? '');
    const pei = deps.store.peis().find((p) => p.name === name);
    if (!pei) done.push({ pei: name, action, ok: false, why: 'no such PeI is registered here' });
    else if (!(UPDATE_ACTIONS as readonly string[]).includes(action)) done.push({ pei: name, action, ok: false, why: `unknown action "${action}"` });
    else {
      if (i.resource_id && i.resource_id !== pei.resourceId) deps.log(`update ${name}: the file names resource ${String(i.resource_id)}; ours is ${pei.resourceId} (ours is used)`);
      done.push({ pei: name, action, ...(await applyUpdate(deps, { assetGuid: pei.assetGuid, action: action as UpdateAction })) });
    }
  }
  return done;
}
