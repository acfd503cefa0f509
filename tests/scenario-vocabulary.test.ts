// Scenario files are checked when they load: every step and check against the fields it takes, with
// every problem named by test case, position and field (not the first only, not halfway through a run).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { scenariosDir } from '../simulator/core/paths.js';
import { loadScenario } from '../simulator/scenarios/engine.js';
import { ACTIONS } from '../simulator/scenarios/actions.js';
import { CHECKS } from '../simulator/scenarios/checks.js';
import { CHECK_SHAPES, STEP_SHAPES } from '../simulator/scenarios/vocabulary.js';
import { tempDir } from './helpers/fixtures.js';

test('every step and check the engine knows has its fields described, and nothing else is', () => {
  assert.equal(Object.keys(STEP_SHAPES).sort(), Object.keys(ACTIONS).sort());
  assert.equal(Object.keys(CHECK_SHAPES).sort(), Object.keys(CHECKS).sort());
});

test('every shipped scenario file loads', () => {
  const files = fs.readdirSync(scenariosDir).filter((f) => f.endsWith('.json') && !['test-users.json', 'testdata.json', 'maps-harness.json'].includes(f));
  assert.ok(files.length >= 5, files.join());
  for (const f of files) assert.ok(loadScenario(path.join(scenariosDir, f)).testCases.length > 0, f);
});

test('a scenario with bad fields is refused with every problem, each naming where and the rule', () => {
  const file = path.join(tempDir(), 'broken.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      id: 'broken',
      title: 'Broken',
      phase: 'system-test',
      testCases: [
        {
          id: 'X-01',
          title: 't',
          rule: 'r',
          reference: 'ref',
          steps: [
            { do: 'find', user: 'IT01', as: 'f', varient: 'expired' },
            { do: 'fault', endpoint: 'token', status: '503' },
            { do: 'driver-fault', fault: 'explode', user: 'IT01', as: 'd' },
            { do: 'update', updates: [{ user: 'SYS01', action: 'confirm', as: 'u' }] },
            { do: 'fault', endpoint: 'token', fixture: 'inactive' },
            { do: 'find', user: 'IT01', as: 'g', token: 'user_token', flaw: 'request-id-mismatch' },
            { do: 'view', find: 'f', as: 'v', firstLeg: 'sideways' },
          ],
          expect: [{ check: 'retried', endpoint: 'token', status: 503, find: 'f', update: 'u' }, { check: 'view-refused', view: 'v' }, { check: 'pat-obtained' }],
        },
      ],
    }),
  );
  let message = '';
  try {
    loadScenario(file);
    assert.unreachable('loaded a broken scenario');
  } catch (err) {
    message = (err as Error).message;
  }
  const expected = [
    /testCases\[0\] \(X-01\)\.steps\[0\] \(find\): "varient" is not a field of "find"; its fields: user, as, variant/,
    /steps\[1\] \(fault\): "status" must be a number/,
    /steps\[2\] \(driver-fault\): "fault" must be one of: delayed-find, .*, not "explode"/,
    /steps\[3\] \(update\): "updates" \[0\]\.action must be one of: confirm-match, /,
    // The fault registry's own rules, asked when the step's fields are well typed.
    /steps\[4\] \(fault\): "fixture" applies to the introspect endpoint only/,
    // One flaw of one token: which token can have which flaw is the PFS driver's rule.
    /steps\[5\] \(find\): the flaw request-id-mismatch is a flaw of the find_request_token/,
    /steps\[6\] \(view\): "firstLeg" must be one of: no-header, empty-bearer, other-scheme, not "sideways"/,
    /expect\[0\] \(retried\): give exactly one of "find" or "update", not 2/,
    /expect\[1\] \(view-refused\): "statuses" is required/,
    /expect\[2\] \(pat-obtained\): "find" is required/,
  ];
  for (const re of expected) assert.match(message, re);
  assert.is(message.split('\n').length, 1 + expected.length, message);
});

test.run();
