// A view's progress line names every leg of the dance with its own status, so each test case's
// line shows the leg it judges (CP-04 the first leg's 401, CP-06 the last leg's 200), never only
// the final status of the whole dance.
import type { ViewOutcome } from '../dashboard/dashboard-driver.js';

const FIRST_LEG_WORDS: Record<ViewOutcome['firstLeg'], string> = {
  'no-header': 'no token',
  'empty-bearer': '"Bearer" with no token',
  'other-scheme': 'a Basic credential',
};

/** `no token → 401 UMA challenge · RPT → 200 · with RPT → 200` */
export function viewLegs(o: ViewOutcome): string {
  const legs: string[] = [];
  if (o.first) legs.push(`${FIRST_LEG_WORDS[o.firstLeg]} → ${o.first.status}${o.first.status === 401 ? (o.challenge?.ticket ? ' UMA challenge' : ' without a UMA ticket') : ''}`);
  if (o.rptResponse) legs.push(`RPT → ${o.rptResponse.status}`);
  if (o.second) legs.push(`with ${o.first ? 'the' : 'a given'} RPT → ${o.second.status}`);
  if (o.errors.length) legs.push(o.errors[0]);
  return legs.join(' · ');
}
