#!/usr/bin/env node
// `npm test`: build, run every uvu suite in dist/tests, and close with the line
// "N passed, N failed" that CI reads. A run that executed no test is a failure.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pattern = process.argv[2] ?? '';

// A fresh build: a test file deleted from tests/ must not live on as a stale compiled copy.
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  console.error('the TypeScript build failed');
  process.exit(1);
}

// Only compiled test files (not their .map files); an optional argument narrows by name.
const filter = `${pattern ? `(${pattern}).*` : ''}\\.test\\.js$`;
const child = spawn(process.execPath, [path.join(root, 'node_modules/uvu/bin.js'), path.join('dist', 'tests'), filter], {
  cwd: root,
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const failed = total - passed - skipped;
  const ok = code === 0 && total > 0 && failed === 0;
  console.log(`\n${passed} passed, ${ok ? failed : Math.max(failed, 1)} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (total === 0) console.error('no test was executed: that is a failure');
  process.exit(ok ? 0 : 1);
});
