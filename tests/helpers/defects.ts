// The deliberate defects of tests/defect-catalogue.json, played over real sockets, each judged by
// its own test: it must fail EXACTLY the ids the catalogue names, each with a reason that names the
// rule; and the honest provider, playing the same cases, fails none. The plays are independent (own
// state, ports and provider) and mostly wait on timers, so they start when the file loads, `atOnce`
// at a time, and each test judges its own when it is done. Plays that judge timing (the system
// test's retry spacing) are given atOnce 1, in a file of their own, so no other play in the process
// delays their timers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { rehearse } from './rehearse.js';
import type { ProviderFault } from '../../simulator/provider/faults.js';
import type { RunResults } from '../../simulator/scenarios/run-results.js';
import { packageRoot } from '../../simulator/core/paths.js';
import { concurrencyLimit, sharedMaterial, startedNow, tempDir } from './fixtures.js';

export interface Defect {
  fault: ProviderFault;
  does: string;
  scenarios: string[];
  only?: string[];
  catches: string[];
  reasons: Record<string, string>;
  /** A defect of service levels: the soak catches it (tests/soak-cli.test.ts), not a rehearsal. */
  soak?: boolean;
}

export const catalogue: Defect[] = JSON.parse(fs.readFileSync(path.join(packageRoot, 'tests', 'defect-catalogue.json'), 'utf8')).defects;
/** The defects a rehearsal catches (the soak's are played by tests/soak-cli.test.ts). */
export const rehearsed = catalogue.filter((d) => !d.soak);
/** The defects whose catching judges the provider's timing. */
export const judgesTiming = (d: Defect): boolean => d.scenarios.includes('system-test');

// Short protocol timings: these runs judge which ids fail, not how long a provider may take. The
// quiet period that ends a retry sequence must outlast the longest honest backoff before a 4th
// attempt (the reference provider's third delay is 1–2 s, provider/retry.ts), as in system-test.test.ts.
const FAST = { retryAfterSeconds: 1, settleQuietMs: 2500 };
interface Played { results: RunResults; exitCode: number }

async function play(faults: ProviderFault[], scenarios: string[], only?: string[]): Promise<Played> {
  const { dir } = await sharedMaterial();
  // A short update window: a provider that ignores the update file is not waited for a minute.
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, referenceFaults: faults, scenarios, only, systemTest: FAST, budgets: { updateWindowMs: 1500 }, progress: () => {} });
  return { results: o.results, exitCode: o.exitCode };
}

const notPassing = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass');
const describe = (r: RunResults) => notPassing(r).map((t) => `${t.id} ${t.verdict}: ${t.reasons.join(' | ')}`).join('\n');

/** Registers a test per defect, then one for the honest provider on the same cases. */
export function defectTests(defects: Defect[], atOnce: number): void {
  const limit = concurrencyLimit(atOnce);
  const start = (faults: ProviderFault[], d: Defect) => startedNow(limit(() => play(faults, d.scenarios, d.only)));
  const honestGroups = new Map<string, Defect>();
  for (const d of defects) honestGroups.set(JSON.stringify([d.scenarios, d.only ?? null]), d);
  const faulty = defects.map((d) => start([d.fault], d));
  const honest = [...honestGroups.values()].map((d) => start([], d));

  defects.forEach((d, i) => {
    test(`the defect "${d.fault}" fails exactly ${d.catches.join(', ')}`, async () => {
      const { results, exitCode } = await faulty[i];
      assert.is(exitCode, 1);
      assert.equal(notPassing(results).map((t) => t.id), d.catches, describe(results));
      for (const [id, pattern] of Object.entries(d.reasons)) {
        assert.match(results.testCases.find((t) => t.id === id)!.reasons.join(' | '), new RegExp(pattern), id);
      }
      // Every failure says what decided it and, when it cites exchanges, names the one that broke the rule.
      for (const t of notPassing(results)) {
        assert.ok(t.decision && t.reasons.includes(t.decision.reason), `${t.id}: the deciding reason is one of its reasons`);
        if (t.exchanges.length) {
          const e = t.decision!.exchange;
          assert.ok(e && t.exchanges.some((x) => x.time === e.time && x.path === e.path && x.requestId === e.requestId), `${t.id}: the deciding exchange is among those it cites`);
        }
      }
    });
  });

  test('the honest reference provider fails none of the cases these defects are caught by', async () => {
    for (const played of honest) {
      const { results, exitCode } = await played;
      assert.equal(notPassing(results).map((t) => t.id), [], describe(results));
      assert.is(exitCode, 0);
    }
  });
}
