// Acting on the Stage 2 update file (test-phases §3.6; DESIGN §3 "Stage 2 update file"): at the end
// of Stage 1 the PDP test team sends a file telling the provider how to update its matches. For
// each instruction the provider makes ONE call to the C&A, with the PAT of the user who owns the PeI
// (pitfall P7), and updates its own records to match:
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
import type { CaClient, DeletionReason } from './ca-client.js';
import type { Faults } from './faults.js';
import type { ProviderStore, StoredPei } from './store.js';

export type UpdateAction = 'confirm-match' | 'reject-match' | 'expire-possible-match' | 'withdraw-match' | 'remove-asset';

const DELETION_REASON: Record<Exclude<UpdateAction, 'confirm-match'>, DeletionReason> = {
  'reject-match': 'match-no',
  'expire-possible-match': 'match-timeout',
  'withdraw-match': 'match-withdrawn',
  'remove-asset': 'asset-removed',
};

export interface UpdateDeps {
  ca: CaClient;
  store: ProviderStore;
  faults: Faults;
  log: (line: string) => void;
}

export interface AppliedUpdate {
  pei: string;
  action: string;
  ok: boolean;
  detail: string;
}

interface Instruction {
  pei?: unknown;
  resource_id?: unknown;
  action?: unknown;
}

function readInstructions(file: string): Instruction[] {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { instructions?: unknown };
  if (!Array.isArray(doc.instructions)) throw new Error(`${file}: "instructions" must be an array`);
  return doc.instructions as Instruction[];
}

async function applyOne(deps: UpdateDeps, pei: StoredPei, action: UpdateAction): Promise<AppliedUpdate> {
  const what = `update ${pei.name}`;
  const pat = deps.store.pat(pei.owner)?.token;
  if (!pat) return { pei: pei.name, action, ok: false, detail: 'the owner’s PAT is not on file' };
  if (action === 'confirm-match') {
    const out = await deps.ca.promotePei(pat, pei.resourceId, what);
    if (!out.ok) return { pei: pei.name, action, ok: false, detail: out.why ?? 'PATCH failed' };
    deps.store.putPei({ ...pei, matchStatus: 'match-yes' });
    return { pei: pei.name, action, ok: true, detail: 'promoted to match-yes' };
  }
  let reason = DELETION_REASON[action];
  // FAULT (for cda-sim's own tests): one deletion reason for everything (asset-removed is allowed from either status).
  if (deps.faults.has('wrong-deletion-reason')) reason = 'asset-removed';
  const out = await deps.ca.deletePei(pat, pei.resourceId, reason, what);
  if (!out.ok) return { pei: pei.name, action, ok: false, detail: out.why ?? 'DELETE failed' };
  deps.store.removePei(pei.assetGuid);
  return { pei: pei.name, action, ok: true, detail: `deleted (${reason})` };
}

/** Apply every instruction of an update file (JSON); one that cannot be applied is logged and skipped. */
export async function applyUpdateFile(deps: UpdateDeps, file: string): Promise<AppliedUpdate[]> {
  const instructions = readInstructions(file);
  // FAULT (for cda-sim's own tests): the file is received and ignored.
  if (deps.faults.has('ignore-update-file')) {
    deps.log(`update file ${file}: ${instructions.length} instruction(s) IGNORED`);
    return [];
  }
  const done: AppliedUpdate[] = [];
  for (const i of instructions) {
    const name = String(i.pei ?? '');
    const action = String(i.action ?? '') as UpdateAction;
    const pei = deps.store.peis().find((p) => p.name === name);
    let result: AppliedUpdate;
    if (!pei) result = { pei: name, action, ok: false, detail: 'no such PeI is registered here' };
    else if (action !== 'confirm-match' && !(action in DELETION_REASON)) result = { pei: name, action, ok: false, detail: `unknown action "${action}"` };
    else {
      if (i.resource_id && i.resource_id !== pei.resourceId) deps.log(`update ${name}: the file names resource ${String(i.resource_id)}; ours is ${pei.resourceId} (ours is used)`);
      result = await applyOne(deps, pei, action);
    }
    deps.log(`update ${name}: ${action}: ${result.ok ? 'done' : 'NOT done'} (${result.detail})`);
    done.push(result);
  }
  return done;
}
