// Detection measured, not assumed: every deliberate defect of the reference provider, played over
// real sockets, fails EXACTLY the test ids tests/defect-catalogue.json names for it (no more, no
// fewer), each with a reason that names the rule; the honest provider fails none of them; and the
// README's table of defects says what the catalogue says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { rehearse } from './helpers/rehearse.js';
import { PROVIDER_FAULTS, type ProviderFault } from '../simulator/provider/faults.js';
import type { RunResults } from '../simulator/scenarios/run-results.js';
import { packageRoot } from '../simulator/core/paths.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';

interface Defect {
  fault: ProviderFault;
  does: string;
  scenarios: string[];
  only?: string[];
  catches: string[];
  reasons: Record<string, string>;
  /** A defect of service levels: the soak catches it (tests/soak-cli.test.ts), not a rehearsal. */
  soak?: boolean;
}

const catalogue: Defect[] = JSON.parse(fs.readFileSync(path.join(packageRoot, 'tests', 'defect-catalogue.json'), 'utf8')).defects;
const rehearsed = catalogue.filter((d) => !d.soak);
// Short protocol timings: these runs judge which ids fail, not how long a provider may take.
const FAST = { retryAfterSeconds: 1, settleQuietMs: 1500 };

async function play(faults: ProviderFault[], scenarios: string[], only?: string[]): Promise<{ results: RunResults; exitCode: number }> {
  const { dir } = await sharedMaterial();
  // A short update window: a provider that ignores the update file is not waited for a minute.
  const o = await rehearse({ stateDir: tempDir(), certsDir: dir, referenceFaults: faults, scenarios, only, systemTest: FAST, budgets: { updateWindowMs: 1500 }, progress: () => {} });
  return { results: o.results, exitCode: o.exitCode };
}

const notPassing = (r: RunResults) => r.testCases.filter((t) => t.verdict !== 'pass');
const describe = (r: RunResults) => notPassing(r).map((t) => `${t.id} ${t.verdict}: ${t.reasons.join(' | ')}`).join('\n');

test('the catalogue has a row for every defect the reference provider can be given, and none twice', () => {
  assert.equal(catalogue.map((d) => d.fault).sort(), [...PROVIDER_FAULTS].sort());
  for (const d of catalogue) {
    assert.ok(d.catches.length > 0, `${d.fault} catches something`);
    for (const id of Object.keys(d.reasons)) assert.ok(d.catches.includes(id), `${d.fault}: a reason for ${id}, which it does not catch`);
  }
});

test("the README's table of defects is the catalogue's", () => {
  const readme = fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
  const table = /<!-- defect table[^\n]*-->([\s\S]*?)<!-- end of defect table -->/.exec(readme)?.[1] ?? '';
  const rows = [...table.matchAll(/^\| `([a-z0-9-]+)` \| (.+?) \| (.+?) \|$/gm)].map((m) => ({ fault: m[1], does: m[2], catches: m[3] }));
  assert.equal(rows, catalogue.map((d) => ({ fault: d.fault, does: d.does, catches: d.catches.join(', ') })));
});

for (const d of rehearsed) {
  test(`the defect "${d.fault}" fails exactly ${d.catches.join(', ')}`, async () => {
    const { results, exitCode } = await play([d.fault], d.scenarios, d.only);
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
}

test('the honest reference provider fails none of the cases the catalogue plays', async () => {
  const groups = new Map<string, Defect>();
  for (const d of rehearsed) groups.set(JSON.stringify([d.scenarios, d.only ?? null]), d);
  for (const d of groups.values()) {
    const { results, exitCode } = await play([], d.scenarios, d.only);
    assert.equal(notPassing(results).map((t) => t.id), [], describe(results));
    assert.is(exitCode, 0);
  }
});

test.run();
