// What the package imports at run time is what package.json declares: a bare import that resolves
// only because some other dependency happens to hoist it works here and breaks for a user.
// The compiled files are read (the compiler has erased type-only imports, so what is left is what
// runs), with Node's own module parser in a child process (vm.SourceTextModule needs a flag).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { isBuiltin } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../simulator/core/paths.js';

const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));

function jsFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module specifier each file imports: static ones from Node's parser, plus import() and require() of a string. */
function specifiersOf(files: string[]): Map<string, string[]> {
  const parser = `
    const vm = require('node:vm'); const fs = require('node:fs');
    const out = {};
    for (const file of JSON.parse(process.argv[1])) {
      const source = fs.readFileSync(file, 'utf8');
      const dynamic = [...source.matchAll(/\\b(?:import|require)\\(\\s*['"]([^'"]+)['"]\\s*\\)/g)].map((m) => m[1]);
      out[file] = [...new vm.SourceTextModule(source, { identifier: file }).dependencySpecifiers, ...dynamic];
    }
    process.stdout.write(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', '-e', parser, JSON.stringify(files)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`parsing the compiled files failed: ${run.stderr}`);
  return new Map(Object.entries(JSON.parse(run.stdout)));
}

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'); undefined for relative paths and Node built-ins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Undeclared packages with the files importing them. */
function undeclaredImports(files: string[], declared: Set<string>): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  for (const [file, specifiers] of specifiersOf(files)) {
    for (const name of specifiers.map(packageOf)) {
      if (!name || declared.has(name)) continue;
      missing.set(name, [...(missing.get(name) ?? []), path.relative(packageRoot, file)]);
    }
  }
  return missing;
}

const shipped = () => [...jsFilesUnder(path.join(packageRoot, 'dist', 'simulator')), ...jsFilesUnder(path.join(packageRoot, 'bin'))];

test('every package the shipped code imports at run time is in dependencies', () => {
  const files = shipped();
  assert.ok(files.length > 50, `the compiled simulator is there (${files.length} files)`);
  const missing = undeclaredImports(files, new Set(Object.keys(manifest.dependencies)));
  const lines = [...missing].map(([name, from]) => `${name} (imported by ${from.slice(0, 3).join(', ')})`);
  assert.equal(lines, [], `imported but not in package.json dependencies: ${lines.join('; ')}`);
});

test('every dependency is imported by the shipped code (no dead weight for users to install)', () => {
  const imported = new Set([...specifiersOf(shipped()).values()].flat().map(packageOf).filter((n): n is string => !!n));
  const unused = Object.keys(manifest.dependencies).filter((name) => !imported.has(name));
  assert.equal(unused, [], `declared but never imported: ${unused.join(', ')}`);
});

test('the scan sees an undeclared import, including one written across lines, and ignores type-only ones', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-manifest-'));
  try {
    const file = path.join(dir, 'sample.js');
    fs.writeFileSync(file, [
      "import fs from 'node:fs';",
      "import path from 'path';",
      "import {\n  a,\n  b,\n} from '@scope/not-declared/sub';",
      "import express from 'express';",
      "// import x from 'in-a-comment';",
      "const label = \"import y from 'in-a-string'\";",
      "export async function later() { return import('dynamically-loaded'); }",
    ].join('\n'));
    const missing = undeclaredImports([file], new Set(['express']));
    assert.equal([...missing.keys()].sort(), ['@scope/not-declared', 'dynamically-loaded']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('engines and the licence are declared, and the lock file agrees with engines', () => {
  assert.ok(typeof manifest.engines?.node === 'string', 'engines.node is set');
  const lock = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package-lock.json'), 'utf8'));
  assert.equal(lock.packages[''].engines, manifest.engines, 'the lock file was refreshed after engines changed');
  assert.ok(manifest.license === 'MIT' && fs.readFileSync(path.join(packageRoot, 'LICENSE'), 'utf8').startsWith('MIT License'), 'the MIT licence text is there');
});

test('docs/Dockerfile copies every source the package ships (what npm pack needs inside the image)', () => {
  const copied = [...fs.readFileSync(path.join(packageRoot, 'docs', 'Dockerfile'), 'utf8').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
  // dist/ is built inside the image; "!" entries only leave files out.
  const shipped = (manifest.files as string[]).filter((f) => !f.startsWith('!') && !f.startsWith('dist/'));
  const missing = shipped.filter((f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)));
  assert.equal(missing, [], `docs/Dockerfile does not COPY ${missing.join(', ')}`);
});

test.run();
