#!/usr/bin/env node
// The package.json that `npm pack` ships, made at prepack and undone at postpack.
// `prepare` builds dist/ for a checkout (`npm ci`), but in an installed package npm counts it as an
// install script and warns that it is not allowed; the tarball already holds the build, so the
// shipped manifest goes without it (the build is run here first).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const manifest = path.join(root, 'package.json');
const kept = path.join(root, '.package.json.unpacked');

function build() {
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

function strip() {
  if (fs.existsSync(kept)) throw new Error(`${path.basename(kept)} is there: a previous pack did not finish; put it back as package.json first`);
  const text = fs.readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  delete pkg.scripts.prepare;
  fs.writeFileSync(kept, text);
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
}

function restore() {
  if (fs.existsSync(kept)) fs.renameSync(kept, manifest);
}

const action = process.argv[2];
if (action === 'prepack') {
  build();
  strip();
} else if (action === 'postpack') restore();
else {
  console.error('usage: node scripts/pack-manifest.mjs prepack|postpack');
  process.exit(2);
}
