// Detection measured, not assumed: every deliberate defect of the reference provider, played over
// real sockets, fails EXACTLY the test ids tests/defect-catalogue.json names for it (no more, no
// fewer), each with a reason that names the rule; the honest provider fails none of them; and the
// README's table of defects says what the catalogue says (the plays: helpers/defects.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { PROVIDER_FAULTS } from '../simulator/provider/faults.js';
import { packageRoot } from '../simulator/core/paths.js';
import { catalogue, defectTests, judgesTiming, rehearsed } from './helpers/defects.js';

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

// The defects caught by what a provider does, three plays at a time; those caught by its timing
// are played one at a time in defect-detection-timing.test.ts.
defectTests(rehearsed.filter((d) => !judgesTiming(d)), 3);

test.run();
