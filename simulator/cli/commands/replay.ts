// `cda-sim replay FILE`: play a bundle's run again against a provider (the built-in reference
// provider unless --config names one) and show where it differs from the recording.
// Exit 0: the same verdicts and answers as recorded; 1: they differ; 2: a bad bundle or option; 3: environment.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { defineCommand, strictOption, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { PROVIDER_FAULTS, type ProviderFault } from '../../provider/faults.js';
import { liveProgressFor } from '../progress.js';
import { interruptOnCtrlC } from '../interrupted.js';
import { bundleFor } from './inspect.js';

/** Which profile the bundle was recorded under, and what this replay will use. */
function describeRecordedProfile(bundle: Awaited<ReturnType<typeof bundleFor>>, specDir: string | undefined): string {
  const recorded = bundle.results.run.profile || 'not recorded';
  const files = bundle.results.run.spec?.files ?? [];
  const digests = files.length ? ` (${files.map((f) => `${f.file} sha256 ${f.sha256.slice(0, 16)}`).join(', ')})` : '';
  const now = specDir ? `this replay validates with the files in --spec-dir ${specDir}${sameFiles(files, specDir)}` : files.length ? 'this replay uses the built-in documents unless --spec-dir gives the recording’s files' : 'this replay uses the same built-in documents';
  return `the recording was made under spec profile ${recorded}${digests}; ${now}`;
}

/** Whether the folder holds the recording's spec files, byte for byte (the bundle keeps their digests, not the files). */
function sameFiles(recorded: { file: string; sha256: string }[], dir: string): string {
  if (!recorded.length) return '';
  const digestOf = (name: string) => {
    // The bundle is untrusted: only a plain file name inside the folder is read.
    if (typeof name !== 'string' || path.basename(name) !== name || name.startsWith('.')) return undefined;
    try {
      return createHash('sha256').update(fs.readFileSync(path.join(dir, name))).digest('hex');
    } catch {
      return undefined;
    }
  };
  const differ = recorded.filter((f) => digestOf(f.file) !== f.sha256).map((f) => f.file);
  return differ.length ? ` (NOT the recording's: ${differ.join(', ')} missing or changed, so verdicts may differ for that reason)` : ' (the recording’s files, byte for byte)';
}

export const replayCommand = defineCommand({
  command: 'replay <file>',
  describe: 'Re-send a bundle’s finds and views to a provider (tokens signed afresh), judge them again, and show what differs',
  builder: (y) =>
    withDirs(y)
      .positional('file', { type: 'string', demandOption: true, describe: 'A bundle written by `cda-sim export`' })
      .option('config', { type: 'string', describe: 'The provider to replay against (default: the built-in reference provider)' })
      .option('reference-fault', { type: 'string', array: true, choices: PROVIDER_FAULTS as ProviderFault[], describe: 'Without --config: give the reference provider these deliberate defects (to replay against the variant a recording was made with)' })
      .option('apply-updates', { type: 'string', describe: 'With --config: a command that applies the Stage 2 update file to your provider (run with the file’s path as its last argument); without one, Stage 2 is not replayed' })
      .option('spec-dir', { type: 'string', describe: 'A folder of OpenAPI files to validate with (the official ones from PDP, say); the recording’s profile is named at the start' })
      .option('strict', { ...strictOption, describe: `${strictOption.describe}; default: as the recording was played` })
      .option('ci', { type: 'boolean', default: false, describe: 'Plain progress lines' }),
  run: async (args) => {
    const faults = args['reference-fault'] as ProviderFault[] | undefined;
    if (faults?.length && args.config) throw new CliError('--reference-fault gives the built-in reference provider defects; with --config the provider is your own, so leave one of them out', EXIT.usage);
    const bundle = await bundleFor(String(args.file));
    // Loaded here, not at the top: `replay --help` needs only the options above.
    const [{ renderReplay }, { replayBundle }, { startSimulator }] = await Promise.all([import('../../runs/replay.js'), import('../../rehearsal/replay.js'), import('../../server/simulator.js')]);
    const recordedFaults = bundle.config?.referenceFaults ?? [];
    if (!args.config && !faults?.length && recordedFaults.length) {
      console.log(`the recording was made against the reference provider with deliberate faults (${recordedFaults.join(', ')}); this replay uses the clean one (--reference-fault ${recordedFaults.join(' ')} to use the same variant)`);
    }
    console.log(describeRecordedProfile(bundle, args['spec-dir']));
    const display = liveProgressFor(args);
    const interrupt = interruptOnCtrlC();
    const report = await replayBundle(bundle, {
      startSimulator,
      stateDir: args['state-dir'],
      certsDir: args['certs-dir'],
      configFile: args.config,
      referenceFaults: faults,
      applyUpdatesCommand: args['apply-updates'],
      specDir: args['spec-dir'],
      strict: args.strict,
      progress: display?.log ?? ((line) => console.log(line)),
      onEvent: display?.onEvent,
      signal: interrupt.signal,
    }).finally(() => {
      interrupt.release();
      display?.stop();
    });
    console.log(`\n${renderReplay(report)}`);
    return report.differs ? EXIT.checkFailed : EXIT.ok;
  },
});
