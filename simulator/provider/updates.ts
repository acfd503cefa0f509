// Applying one instruction of PDP's Stage 2 update file (DESIGN §3 "Stage 2 update file";
// test-phases §3.6): the provider changes the PeI at the C&A with the owning user's PAT, retrying
// 429 and 5xx as it does for registrations (retry.ts), and stopping on 401 or 404.
import type { CaClient } from './ca-client.js';
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

export async function applyUpdate(deps: { ca: CaClient; store: ProviderStore; log: (line: string) => void }, u: UpdateInstruction): Promise<{ ok: boolean; why?: string }> {
  const what = `update ${u.action} ${u.assetGuid}`;
  const pei = deps.store.pei(u.assetGuid);
  if (!pei) return { ok: false, why: 'no PeI is registered for this asset' };
  const pat = deps.store.pat(pei.owner)?.token;
  if (!pat) return { ok: false, why: 'the owner’s PAT is not on file' };
  const out = u.action === 'confirm-match' ? await deps.ca.updatePei(pat, pei.resourceId, what) : await deps.ca.deletePei(pat, pei.resourceId, DELETION_REASON[u.action], what);
  if (!out.ok) {
    deps.log(`${what}: NOT applied (${out.why ?? 'unknown reason'})`);
    return { ok: false, why: out.why };
  }
  if (u.action === 'confirm-match') deps.store.putPei({ ...pei, matchStatus: 'match-yes' });
  else deps.store.forgetPei(u.assetGuid);
  deps.log(`${what}: applied (${out.answer?.status})`);
  return { ok: true };
}
