// The layers of simulator/ (.dependency-cruiser.cjs): no file imports from a layer above its own or
// from a sibling role it does not talk to on the real network, and no import cycle anywhere.
// dependency-cruiser runs as a child process, as a developer runs it; the same rules are run over a
// tiny tree with deliberate mistakes, so a green result here is a rule that could have failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../simulator/core/paths.js';
import { tempDir } from './helpers/fixtures.js';

const CONFIG = path.join(packageRoot, '.dependency-cruiser.cjs');
const require = createRequire(import.meta.url);

interface Violation {
  type: string;
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}

function depcruiseBin(): string {
  const manifest = path.join(packageRoot, 'node_modules', 'dependency-cruiser', 'package.json');
  const bin = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }).bin['depcruise'];
  return path.join(path.dirname(manifest), bin);
}

/** Run the project's rules over `dir`/simulator and give back every violation. */
function cruise(dir: string): Violation[] {
  const run = spawnSync(process.execPath, [depcruiseBin(), 'simulator', '--config', CONFIG, '--output-type', 'json'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  let report: { summary: { violations: Violation[]; totalCruised: number } };
  try {
    report = JSON.parse(run.stdout);
  } catch {
    throw new Error(`dependency-cruiser gave no report (exit ${run.status}): ${run.stderr.slice(0, 2000)}`);
  }
  assert.ok(report.summary.totalCruised > 0, `dependency-cruiser read no file under ${dir}/simulator`);
  return report.summary.violations;
}

function describe(v: Violation): string {
  const chain = v.cycle?.length ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' → ')})` : '';
  return `${v.rule.name}: ${v.from} → ${v.to}${chain}`;
}

function write(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

test('every rule says why, in one line', () => {
  const config = require(CONFIG) as { forbidden: { name: string; comment?: string }[] };
  assert.ok(config.forbidden.length >= 8, 'the layer rules are all there');
  for (const rule of config.forbidden) {
    assert.ok(rule.comment && rule.comment.trim().length > 20, `rule ${rule.name} has a reason`);
    assert.not.match(rule.comment, /\n/, `rule ${rule.name}: its reason is one line`);
  }
});

test('simulator/ keeps its layers: no upward import, no forbidden sibling, no cycle', () => {
  const violations = cruise(packageRoot);
  assert.is(violations.length, 0, `${violations.length} dependency rule violation(s):\n  ${violations.map(describe).join('\n  ')}`);
});

test('the rules fail a tree with an upward import, a cycle and a provider reaching into the C&A', () => {
  const dir = tempDir('cda-sim-layers-');
  try {
    write(dir, 'tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['simulator/**/*.ts'] }));
    // Upward: core/ (the lowest layer) imports a command of cli/ (the highest).
    write(dir, 'simulator/core/clock.ts', "import { EXIT_NOW } from '../cli/main.js';\nexport const now = () => EXIT_NOW;\n");
    write(dir, 'simulator/cli/main.ts', 'export const EXIT_NOW = 0;\n');
    // A cycle inside one layer, through a type-only import: still a cycle.
    write(dir, 'simulator/store/state.ts', "import { append } from './journal.js';\nexport const save = () => append();\n");
    write(dir, 'simulator/store/journal.ts', "import type { save } from './state.js';\nexport const append = (): ReturnType<typeof save> | void => undefined;\n");
    // A sibling role it only talks to over HTTPS.
    write(dir, 'simulator/provider/registration.ts', "import { issuePat } from '../ca/tokens.js';\nexport const register = issuePat;\n");
    write(dir, 'simulator/ca/tokens.ts', "export const issuePat = () => 'pat';\n");

    const found = cruise(dir).map(describe);
    const has = (rule: string, from: string, to: string) =>
      assert.ok(found.some((l) => l.startsWith(`${rule}: ${from} → ${to}`)), `${rule}: ${from} → ${to} is reported; found:\n  ${found.join('\n  ')}`);
    has('core-imports-nothing-of-cda-sim', 'simulator/core/clock.ts', 'simulator/cli/main.ts');
    assert.ok(found.some((l) => l.startsWith('no-circular: simulator/store/')), `the cycle is reported; found:\n  ${found.join('\n  ')}`);
    has('provider-talks-over-https-only', 'simulator/provider/registration.ts', 'simulator/ca/tokens.ts');
    assert.is(found.length, 3, `only the three deliberate mistakes are reported:\n  ${found.join('\n  ')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
