// `cda-sim export <run> --out FILE`: one kept run as a bundle file, redacted, for another machine.
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';

export const exportCommand = defineCommand({
  command: 'export <run>',
  describe: 'Write a kept run as one bundle file (tar.gz: journal, scenarios, redacted config, versions, results, reports)',
  builder: (y) =>
    withDirs(y)
      .positional('run', { type: 'string', demandOption: true, describe: 'The run id (`cda-sim runs` lists them), or "latest"' })
      .option('out', { type: 'string', describe: 'The bundle file to write (default: cda-sim-run-<run id>.tar.gz)' }),
  run: async (args) => {
    // Loaded here, not at the top: `export --help` needs only the options above.
    const [{ latestRunWithResults }, { exportRun }, { MAX_PATH_SEGMENTS, NAME_RULE, printable }] = await Promise.all([import('../../runs/run-store.js'), import('../../runs/bundle.js'), import('../../runs/names.js')]);
    let runId = String(args.run);
    if (runId === 'latest') {
      // The newest run with results, whatever its verdict: a paused run, or one the environment stopped, is evidence too.
      const latest = latestRunWithResults(args['state-dir']);
      if (!latest) throw new CliError(`"latest": no run with results is kept in ${args['state-dir']}`, EXIT.usage);
      runId = latest.id;
    }
    const out = args.out ?? `cda-sim-run-${runId}.tar.gz`;
    try {
      const { bytes, manifest } = await exportRun(args['state-dir'], runId, out);
      console.log(`${out}: run ${runId}, ${manifest.files.length} file(s), ${bytes.toLocaleString('en-GB')} bytes (tokens, secrets and private keys redacted)`);
      if (manifest.missing.length) console.log(`not in the run folder, so not in the bundle: ${manifest.missing.join(', ')}`);
      if (manifest.leftOut?.length) console.log(`left out, as a bundle may not carry their names (${NAME_RULE}, at most ${MAX_PATH_SEGMENTS} segments): ${manifest.leftOut.map(printable).join(', ')}`);
      console.log(`read it anywhere with \`cda-sim inspect ${out}\`; play it again with \`cda-sim replay ${out}\``);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`export: ${(err as Error).message}`, EXIT.usage);
    }
    return EXIT.ok;
  },
});
