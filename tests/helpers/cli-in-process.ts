// Run the CLI in-process (commands never call process.exit), keeping what it prints.
import { main } from '../../simulator/cli/main.js';

export async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  console.error = console.log;
  try {
    return { code: await main(args), out: lines.join('\n') };
  } finally {
    [console.log, console.error] = [log, error];
  }
}
