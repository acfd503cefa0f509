// The PATCH / DELETE fault cases (SYS-10…16) against a provider of one's own: cda-sim cannot make
// another system apply an update, so each instruction goes to the user's --apply-updates command as
// a file of one instruction, in the update file format. Here the command records the file and
// applies nothing, so the case must fail on what (did not) reach the C&A, not error out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { rehearse } from './helpers/rehearse.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { freePort, ownProviderSection, spawnProvider } from './helpers/spawn-provider.js';

test('each update instruction of a system-test case is handed to --apply-updates as a one-instruction file', async () => {
  const { dir: certsDir } = await sharedMaterial();
  const [httpsPort, httpPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const provider = await spawnProvider({ httpsPort, httpPort, certsDir, stateDir: tempDir() });
  const work = tempDir();
  const marker = path.join(work, 'update-files.txt');
  try {
    const cfg = path.join(work, 'cda-sim.config.json');
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        provider: ownProviderSection(provider),
        simulator: { httpsPort, httpPort, adminPort },
      }),
    );
    const script = `require('fs').appendFileSync(${JSON.stringify(marker)}, process.argv[1] + '\\n')`;
    const command = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)}`;
    const o = await rehearse({ stateDir: path.join(work, 'state'), certsDir, configFile: cfg, scenarios: ['system-test'], only: ['SYS-13'], applyUpdates: { command }, systemTest: { settleQuietMs: 1500 }, progress: () => {} });
    const sys13 = o.results.testCases.find((t) => t.id === 'SYS-13')!;
    // Nothing was applied: a verdict on the provider's (missing) DELETE, not "cannot run".
    assert.is(sys13.verdict, 'fail', sys13.reasons.join(' | '));
    const files = fs.readFileSync(marker, 'utf8').trim().split('\n');
    assert.is(files.length, 2, 'one command run per instruction (SYS06 and SYS07)');
    const users = new Set<string>();
    for (const f of files) {
      assert.ok(f.startsWith(path.dirname(o.reports.json)), `kept in the run folder: ${f}`);
      const doc = JSON.parse(fs.readFileSync(f, 'utf8'));
      assert.is(doc.instructions.length, 1);
      const [i] = doc.instructions;
      assert.is(i.action, 'remove-asset');
      assert.match(i.pei, /^urn:pei:[0-9a-f-]{36}:[0-9a-f-]{36}$/);
      assert.ok(i.resource_id, 'the PeI was registered, so the instruction names its resource_id');
      assert.match(i.expected_call, new RegExp(`^DELETE /rreguri/${i.resource_id}\\?deletion_reason=asset-removed$`));
      assert.ok(fs.existsSync(f.replace(/\.json$/, '.csv')), 'the CSV form beside it');
      users.add(i.user);
    }
    assert.equal([...users].sort(), ['SYS06', 'SYS07']);
  } finally {
    provider.stop();
  }
});

test.run();
