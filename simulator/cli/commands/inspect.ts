// `cda-sim inspect FILE`: a bundle's run, timeline and failures, on any machine (no state needed).
// With --console, the web console over the bundle's recorded run, until Ctrl+C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineCommand } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import type { Bundle } from '../../runs/bundle.js';
import { untilInterrupted } from '../interrupted.js';

/** Read a bundle for a command: a bad file is a usage error that says what is wrong with it. */
export async function bundleFor(file: string): Promise<Bundle> {
  const { readBundle } = await import('../../runs/bundle.js');
  try {
    return readBundle(file);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

/** Serve the web console over a bundle: laid out as a state directory in a temporary folder, removed afterwards. */
async function serveConsole(b: Bundle, host: string, port: number): Promise<void> {
  const [{ unpackBundle }, { startConsole }, { recordedSource }] = await Promise.all([import('../../runs/bundle.js'), import('../../console/console-app.js'), import('../../console/source.js')]);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-inspect-'));
  try {
    unpackBundle(b, stateDir);
    const source = await recordedSource({ stateDir, runId: b.results.run.id, users: b.users?.users });
    const served = await startConsole({ source, host, port });
    console.log(`web console: ${served.url}\nPress Ctrl+C to stop.`);
    await untilInterrupted();
    await served.close();
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

export const inspectCommand = defineCommand({
  command: 'inspect <file>',
  describe: 'Show a bundle’s run: metadata, the timeline of test cases and exchanges, and every failure',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'A bundle written by `cda-sim export`' })
      .option('console', { type: 'boolean', default: false, describe: 'Also serve the web console over the bundle’s run, until Ctrl+C' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'With --console: the address to bind' })
      .option('port', { type: 'number', default: 0, describe: 'With --console: the port (0 picks a free one)' }),
  run: async (args) => {
    const bundle = await bundleFor(String(args.file));
    const { renderInspection } = await import('../../runs/inspect.js');
    console.log(renderInspection(bundle));
    if (args.console) await serveConsole(bundle, args.host, args.port);
    return EXIT.ok;
  },
});
