#!/usr/bin/env node
// The package as a user gets it: `npm pack`, the tarball installed into a fresh folder with its own
// prefix (nothing global), with no warning from npm; then `cda-sim rehearse --ci` from that install
// passes, and `npm audit --omit=dev` finds no moderate-or-worse advisory. Exit 0 only if all hold.
// Run by .ci/run; by hand: `node scripts/pack-check.mjs` (about a minute).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-pack-'));
const problems = [];
// A clean environment for npm: nothing inherited from an npm that started this script.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

function run(command, args, cwd, timeoutMs = 300_000) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function step(name) {
  console.log(`pack-check: ${name}`);
}

/** npm's warnings in a command's output (EBADENGINE, deprecations, install scripts, ...). */
function npmWarnings(out) {
  return out.split('\n').filter((line) => /^npm (warn|WARN)\b/.test(line) || /EBADENGINE/.test(line));
}

function packTarball() {
  step('npm pack');
  const pack = run('npm', ['pack', '--pack-destination', tmp], root);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.out}`);
  for (const w of npmWarnings(pack.out)) problems.push(`npm pack: ${w}`);
  const tarball = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  return path.join(tmp, tarball);
}

/** Relative link targets of a markdown file, as paths inside the package. */
function linkTargets(markdownPath, base) {
  const text = fs.readFileSync(markdownPath, 'utf8');
  return [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1])
    .filter((href) => !/^[a-z]+:/i.test(href))
    .map((href) => path.posix.normalize(path.posix.join(base, href)).replace(/\/$/, ''));
}

function checkContents(tarball) {
  step('what the tarball holds');
  const unpacked = path.join(tmp, 'unpacked');
  fs.mkdirSync(unpacked);
  const untar = run('tar', ['xzf', tarball, '-C', unpacked], tmp);
  if (untar.code !== 0) throw new Error(`tar failed: ${untar.out}`);
  const pkgDir = path.join(unpacked, 'package');
  const files = fs.readdirSync(pkgDir, { recursive: true }).map((f) => String(f).split(path.sep).join('/'));
  const has = (p) => files.includes(p);
  for (const required of ['LICENSE', 'README.md', 'package.json', 'bin/cda-sim.js', 'dist/simulator/cli/main.js']) {
    if (!has(required)) problems.push(`the tarball lacks ${required}`);
  }
  for (const map of files.filter((f) => f.endsWith('.map'))) problems.push(`the tarball ships a source map: ${map}`);
  for (const js of files.filter((f) => f.endsWith('.js'))) {
    if (/^\/\/# sourceMappingURL=/m.test(fs.readFileSync(path.join(pkgDir, js), 'utf8'))) problems.push(`${js} points at a source map`);
  }
  const links = [...linkTargets(path.join(pkgDir, 'README.md'), ''), ...(has('docs/ci.md') ? linkTargets(path.join(pkgDir, 'docs/ci.md'), 'docs') : [])];
  for (const target of links) if (!has(target)) problems.push(`a link to ${target} leads nowhere in the package`);
  const scripts = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).scripts ?? {};
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) {
    if (scripts[s]) problems.push(`the shipped package.json has a "${s}" script (npm warns about install scripts)`);
  }
  console.log(`  ${files.length} files, ${links.length} README/docs links all inside the package`);
}

function install(tarball) {
  step('npm install --prefix <fresh folder> <tarball>');
  const prefix = path.join(tmp, 'install');
  fs.mkdirSync(prefix);
  const inst = run('npm', ['install', '--prefix', prefix, '--no-fund', '--no-audit', tarball], prefix);
  if (inst.code !== 0) throw new Error(`npm install of the tarball failed:\n${inst.out}`);
  for (const w of npmWarnings(inst.out)) problems.push(`npm install: ${w}`);
  console.log(`  ${inst.out.trim().split('\n').pop()}`);
  return prefix;
}

function rehearse(prefix) {
  step('cda-sim rehearse --ci, from the installed copy');
  const work = path.join(tmp, 'work');
  fs.mkdirSync(work);
  const bin = path.join(prefix, 'node_modules', '.bin', 'cda-sim');
  const r = run(bin, ['rehearse', '--ci', '--state-dir', path.join(work, 'state'), '--certs-dir', path.join(work, 'certs'), '--junit', path.join(work, 'junit.xml')], work);
  const last = r.out.trim().split('\n').filter((l) => /^(PASSED|FAILED|PAUSED|INCOMPLETE)\b/.test(l));
  console.log(`  exit ${r.code}: ${last.join(' ') || r.out.trim().split('\n').slice(-3).join(' / ')}`);
  if (r.code !== 0) problems.push(`cda-sim rehearse --ci from the installed package exited ${r.code}${r.error ? ` (${r.error.message})` : ''}:\n${r.out.split('\n').slice(-25).join('\n')}`);
  else if (!fs.existsSync(path.join(work, 'junit.xml'))) problems.push('cda-sim rehearse --ci passed but wrote no JUnit file');
}

// Advisories this project has met in its tree, checked from the installed versions when the
// advisory service cannot be asked (the fixed versions as the advisories give them).
const KNOWN_ADVISORIES = [
  { name: 'uuid', advisory: 'GHSA-w5hq-g745-h8pq', fixed: ['11.1.1', '12.0.1', '13.0.1', '14.0.0'] },
  { name: 'node-forge', advisory: 'CVE-2026-33891/33894/33895/33896', fixed: ['1.4.0'] },
];

const parse = (v) => v.split(/[.+-]/).slice(0, 3).map(Number);
function atLeast(version, floor) {
  const [a, b] = [parse(version), parse(floor)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}
const isFixed = (version, fixed) => fixed.some((f) => parse(version)[0] === parse(f)[0] && atLeast(version, f)) || atLeast(version, fixed[fixed.length - 1]);

function installedVersions(dir) {
  const ls = run('npm', ['ls', '--all', '--omit=dev', '--json'], dir);
  const found = [];
  const walk = (deps) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (node.version) found.push({ name, version: node.version });
      walk(node.dependencies);
    }
  };
  walk(JSON.parse(ls.stdout).dependencies);
  return found;
}

function audit(dir, label) {
  const a = run('npm', ['audit', '--omit=dev', '--audit-level=moderate', '--json'], dir);
  let report;
  try {
    report = JSON.parse(a.stdout);
  } catch {
    report = undefined;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (counts) {
    const serious = (counts.moderate ?? 0) + (counts.high ?? 0) + (counts.critical ?? 0);
    console.log(`  ${label}: npm audit: ${serious} moderate-or-worse (${JSON.stringify(counts)})`);
    if (serious > 0) problems.push(`npm audit --omit=dev in ${label}: ${Object.keys(report.vulnerabilities ?? {}).join(', ')}`);
    return;
  }
  const why = [report?.message ?? report?.error?.summary, ...a.stderr.split('\n').filter((l) => /^npm (warn|error) audit/.test(l))].filter(Boolean).join('; ') || 'no answer';
  console.log(`  ${label}: npm audit could not ask the advisory service (${why}); NOT audited here.`);
  console.log(`  ${label}: checking the installed tree against the advisories this project has met instead`);
  for (const { name, version } of installedVersions(dir)) {
    const known = KNOWN_ADVISORIES.find((k) => k.name === name);
    if (known && !isFixed(version, known.fixed)) problems.push(`${label}: ${name}@${version} is affected by ${known.advisory} (fixed in ${known.fixed.join(', ')})`);
  }
}

function main() {
  try {
    const tarball = packTarball();
    checkContents(tarball);
    const prefix = install(tarball);
    rehearse(prefix);
    step('npm audit --omit=dev --audit-level=moderate');
    audit(root, 'the project');
    audit(prefix, 'the installed package');
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (problems.length) {
    console.error(`pack-check FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log('pack-check: the package installs without a warning, rehearses green and has no known advisory');
}

main();
