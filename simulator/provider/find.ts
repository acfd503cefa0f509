// The find endpoint: POST /find (DESIGN §3; pdp-protocol §2 steps 2–5, §3).
//
//   1. verify the request (find-verification.ts); a bad one gets a 4xx and NOTHING is registered
//   2. acknowledge with 202 at once: PDP monitors for the 202 (pdp-protocol §3.1)
//   3. then, in the background: match (matching.ts) and register (registration.ts)
// The find data is used for matching only and is not kept (providers must delete it once a match
// has been made or not found, pdp-protocol §3.1).
import type { Request, Response } from 'express';
import { decodeUnverified } from '../crypto/jose.js';
import type { FindData } from '../testdata/users.js';
import type { Background } from './background.js';
import type { Faults } from './faults.js';
import { verifyFindRequest, type FindVerificationContext, type VerifiedFind } from './find-verification.js';
import { sendProblem } from './http.js';
import { findMatches } from './matching.js';
import type { RecordBook } from './records.js';
import { registerMatches, type RegistrationDeps } from './registration.js';

export interface FindDeps {
  verification: FindVerificationContext;
  records: RecordBook;
  background: Background;
  registration: RegistrationDeps;
  faults: Faults;
  log: (line: string) => void;
}

/** FAULT (for cda-sim's own tests): read a find without checking anything, as a careless provider would. */
function readFindUnchecked(requestId: string | undefined, raw: string): VerifiedFind | undefined {
  try {
    const body = JSON.parse(raw) as { user_token?: string; find_request_token?: string };
    const user = decodeUnverified(String(body.user_token));
    const find = decodeUnverified(String(body.find_request_token));
    if (!user || !find) return undefined;
    return {
      requestId: requestId ?? String(find.payload.request_id ?? ''),
      userToken: String(body.user_token),
      sub: String(user.payload.sub ?? ''),
      findData: (find.payload.find_data ?? {}) as FindData,
    };
  } catch {
    return undefined;
  }
}

export function findHandler(deps: FindDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const requestIdHeader = req.get('x-request-id');
    const raw = typeof req.body === 'string' ? req.body : '';

    let find: VerifiedFind | undefined;
    // FAULT (for cda-sim's own tests): accept the find without verifying its tokens.
    if (deps.faults.has('register-invalid-finds')) find = readFindUnchecked(requestIdHeader, raw);
    if (!find) {
      const check = await verifyFindRequest(deps.verification, requestIdHeader, raw, deps.faults);
      if (!check.ok) {
        deps.log(`find ${requestIdHeader ?? '(no X-Request-ID)'}: refused ${check.status}: ${check.errors.map((e) => `${e.field ?? ''} ${e.detail}`.trim()).join('; ')}`);
        sendProblem(res, check.status, check.errors);
        return;
      }
      find = check.find;
    }

    // Acknowledge first; matching and registration follow.
    // FAULT (for cda-sim's own tests): 200 instead of the 202 PDP monitors for.
    res.status(deps.faults.has('ack-200') ? 200 : 202).end();

    const accepted = find;
    const what = `find ${accepted.requestId}`;
    deps.log(`${what}: accepted (user ${accepted.sub})`);
    deps.background.run(what, async () => {
      const matches = findMatches(accepted.findData, deps.records.records, deps.faults);
      await registerMatches(deps.registration, { requestId: accepted.requestId || undefined, userToken: accepted.userToken, sub: accepted.sub, what }, matches);
    });
  };
}
