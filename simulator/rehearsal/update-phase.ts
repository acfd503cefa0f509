// The update-file phase between Stage 1 and Stage 2: write the file, then have it applied. PDP
// emails the file and waits; cda-sim offers four ways to wait:
//   reference  the built-in reference provider applies it itself (`rehearse` with no config)
//   command    `--apply-updates "<command>"`: run with the JSON file's path as its last argument (CI)
//   prompt     on a terminal: apply it by hand, then press Enter (or type "stop")
//   stop       persist the run and exit; `cda-sim stage2` resumes it later
import readline from 'node:readline';
import type { RunContext } from '../scenarios/context.js';
import { runUserCommand } from './user-command.js';
import type { ScenarioFile } from '../scenarios/types.js';
import path from 'node:path';
import { buildUpdateFile, instructionFor, snapshotRegistrations, writeUpdateFile } from './update-file.js';
import type { UpdateAction, UpdateRound } from '../scenarios/update-file.js';

export type ApplyMode =
  | { kind: 'reference'; apply: (jsonFile: string) => Promise<unknown> }
  | { kind: 'command'; command: string }
  /** A person at the terminal (the streams are the process's own unless a test gives others). */
  | { kind: 'prompt'; input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream }
  | { kind: 'stop' };

/** How this run has the file applied: the reference provider, a command, a person at a terminal, or nobody (pause). */
export function applyModeFor(reference: ((jsonFile: string) => Promise<unknown>) | undefined, opts: { command?: string; interactive?: boolean } = {}): ApplyMode {
  if (reference) return { kind: 'reference', apply: reference };
  if (opts.command) return { kind: 'command', command: opts.command };
  return opts.interactive ? { kind: 'prompt' } : { kind: 'stop' };
}

export function issueUpdateFile(ctx: RunContext, stage2: ScenarioFile, runId: string, dir: string): UpdateRound {
  const issuedAtMs = ctx.clock.now();
  const file = buildUpdateFile(ctx, stage2, runId, issuedAtMs);
  const paths = writeUpdateFile(dir, file);
  ctx.progress(`update file: ${file.instructions.length} instruction(s) written to ${paths.json} and ${paths.csv}`);
  for (const i of file.instructions) ctx.progress(`  ${i.test_id} ${i.user} ${i.action}: ${i.expected_call}`);
  return { file, issuedAtMs, snapshot: snapshotRegistrations(ctx.sim.store), paths };
}

/** Single quotes for a POSIX shell (the path is appended to the user's command). */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What running the command needs of the run: where to say what happens, and whom to tell of the wait. */
type CommandContext = Pick<RunContext, 'progress' | 'waiting' | 'signal'>;

function runCommand(command: string, round: Pick<UpdateRound, 'paths'>, ctx: CommandContext): Promise<number> {
  const line = `${command} ${shellQuote(round.paths.json)}`;
  ctx.progress(`applying the updates: ${line}`);
  return runUserCommand({ line, option: '--apply-updates', env: { CDA_SIM_UPDATE_FILE: round.paths.json, CDA_SIM_UPDATE_FILE_CSV: round.paths.csv } }, ctx);
}

function ask(question: string, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<string> {
  const rl = readline.createInterface({ input, output });
  return new Promise((resolve) => rl.question(question, (a) => (rl.close(), resolve(a.trim()))));
}

/**
 * The phase between the stages: issue the file (first time) and have it applied. Resumed, the file
 * is out already: the provider may have applied it while the run was paused, or it is applied now.
 */
export async function updateFilePhase(ctx: RunContext, stage2: ScenarioFile, runId: string, dir: string, mode: ApplyMode): Promise<'applied' | 'stop'> {
  if (!ctx.updates) {
    ctx.updates = issueUpdateFile(ctx, stage2, runId, dir);
    return applyUpdates(mode, ctx.updates, ctx);
  }
  if (mode.kind !== 'stop') return applyUpdates(mode, ctx.updates, ctx);
  ctx.progress(`resuming: the updates in ${ctx.updates.paths.json} are taken as applied`);
  return 'applied';
}

/** Have the file applied; 'stop' means the run pauses here. */
export async function applyUpdates(mode: ApplyMode, round: UpdateRound, ctx: CommandContext): Promise<'applied' | 'stop'> {
  const { progress } = ctx;
  switch (mode.kind) {
    case 'reference':
      progress('the reference provider applies the update file');
      await mode.apply(round.paths.json);
      return 'applied';
    case 'command': {
      const code = await runCommand(mode.command, round, ctx);
      // Stage 2 still runs, but waits for nothing more: its checks say what was and was not applied.
      round.applyFailed = code === 0 ? undefined : `the --apply-updates command exited with ${code}`;
      if (code !== 0) progress(`${round.applyFailed}; Stage 2 judges what reached the C&A without waiting for the rest`);
      return 'applied';
    }
    case 'prompt': {
      const a = await ask(`\nApply the updates in ${round.paths.json} (or .csv) on your system now.\nPress Enter when they are applied, or type "stop" to pause and resume later with \`cda-sim stage2\`: `, mode.input, mode.output);
      return a.toLowerCase() === 'stop' ? 'stop' : 'applied';
    }
    case 'stop':
      return 'stop';
  }
}

/**
 * One update instruction (a system-test case's PATCH or DELETE fault, SYS-10…16) carried out by the
 * user's own `--apply-updates` command: a file in the same format holding that one instruction, in
 * its own folder of the run. The reference provider is asked directly instead.
 */
export function updateByCommand(getCtx: () => RunContext, command: string, runId: string, dir: string) {
  let n = 0;
  return async (u: { assetGuid: string; action: UpdateAction }): Promise<{ ok: boolean; why?: string }> => {
    const ctx = getCtx();
    const record = ctx.testData.records.find((r) => r.assetGuid === u.assetGuid);
    if (!record) return { ok: false, why: `no record with asset GUID ${u.assetGuid} in the test data pack` };
    const user = ctx.testData.expectations.find((e) => e.records.includes(record.recordId))?.user ?? '';
    const file = { run: runId, issuedAt: new Date(ctx.clock.now()).toISOString(), instructions: [instructionFor(ctx, 'system-test', user, record, u.action)] };
    const paths = writeUpdateFile(path.join(dir, `system-update-${String(++n).padStart(2, '0')}`), file);
    const code = await runCommand(command, { paths }, ctx);
    return code === 0 ? { ok: true } : { ok: false, why: `the --apply-updates command exited with ${code}` };
  };
}
