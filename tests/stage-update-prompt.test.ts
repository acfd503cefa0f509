// The update file's terminal prompt: a person applies the file by hand, then presses Enter (Stage 2
// runs) or types "stop" (the run pauses for `cda-sim stage2`). Driven through streams, as a terminal would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { applyUpdates } from '../simulator/rehearsal/update-phase.js';
import type { UpdateRound } from '../simulator/scenarios/update-file.js';

const round = { paths: { json: '/runs/r1/update-file.json', csv: '/runs/r1/update-file.csv' } } as UpdateRound;

async function answer(typed: string): Promise<{ outcome: string; shown: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (c: Buffer) => {
    shown += c.toString('utf8');
    // Answer only once the question is on the screen, as a person would.
    if (shown.includes('Press Enter')) input.write(`${typed}\n`);
  });
  const outcome = await applyUpdates({ kind: 'prompt', input, output }, round, { progress: () => {} });
  return { outcome, shown };
}

test('Enter at the prompt means the updates are applied: Stage 2 runs', async () => {
  const { outcome, shown } = await answer('');
  assert.is(outcome, 'applied');
  assert.match(shown, /Apply the updates in \/runs\/r1\/update-file\.json \(or \.csv\)/);
  assert.match(shown, /cda-sim stage2/);
});

test('"stop" at the prompt pauses the run, whatever its case or spacing', async () => {
  assert.is((await answer('stop')).outcome, 'stop');
  assert.is((await answer('  STOP ')).outcome, 'stop');
});

test('anything else typed is taken as applied (the prompt asks for Enter)', async () => {
  assert.is((await answer('done')).outcome, 'applied');
});

test.run();
