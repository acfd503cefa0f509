// `cda-sim inspect BUNDLE --console` in a child process, as a user runs it: `use` gets the console's
// URL once it is served; then Ctrl+C stops it, and the exit code (0 expected) comes back with its output.
import { spawn } from 'node:child_process';
import { CLI } from './spawn-sim.js';
import { tempDir } from './fixtures.js';

export async function withInspectConsole(bundle: string, use: (url: string, output: () => string) => Promise<void>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI, 'inspect', bundle, '--console'], { cwd: tempDir() });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const deadline = Date.now() + 20000;
    while (!/web console: (\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /web console: (\S+)/.exec(out)?.[1];
    if (!url) throw new Error(`inspect --console served no console within 20 s:\n${out}`);
    await use(url, () => out);
  } finally {
    child.kill('SIGINT');
  }
  return { code: await exited, output: out };
}
