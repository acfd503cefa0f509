#!/usr/bin/env node
// docs/Dockerfile, tested without a container engine: each instruction is carried out in a clean
// temporary folder standing in for each stage's filesystem (an absolute path /x becomes <stage>/x),
// RUN as a shell command, USER as a local unprivileged user, COPY from the checkout or an earlier
// stage. Then the image's default command runs and must listen on every interface on each port the
// Dockerfile EXPOSEs, and `rehearse --ci` through its ENTRYPOINT must pass in its WORKDIR, both as
// that user. What it cannot show: the base image itself (this machine's Node stands in for it).
// Run by .ci/run; by hand: `node scripts/dockerfile-check.mjs` (about a minute).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dockerfile = path.join(root, 'docs', 'Dockerfile');
// The node images' unprivileged `node` user is played by this machine's `nobody`.
const STAND_IN_USER = { node: { user: 'nobody', group: 'nogroup' } };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cda-sim-dockerfile-'));
fs.chmodSync(tmp, 0o755);

/** The Dockerfile's instructions, one per entry (continuation lines joined, comments dropped). */
function instructions(text) {
  return text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [, op, rest] = /^(\S+)\s+(.*)$/.exec(l) ?? [];
      if (!op) throw new Error(`cannot read the Dockerfile line: ${l}`);
      return { op: op.toUpperCase(), args: rest };
    });
}

class Stage {
  constructor(index, name) {
    this.name = name;
    this.root = path.join(tmp, `stage-${index}`);
    this.workdir = '/';
    this.user = 'root';
    this.env = {};
    this.exposed = [];
    fs.mkdirSync(this.root, { recursive: true, mode: 0o755 });
  }
  /** Where an image path lives in this emulation. */
  host(p) {
    const abs = path.posix.isAbsolute(p) ? p : path.posix.join(this.workdir, p);
    return path.join(this.root, abs);
  }
}

function runAs(stage, command, args, options = {}) {
  const standIn = STAND_IN_USER[stage.user];
  // The unprivileged user gets a home of its own; root keeps this machine's (its npm cache and settings).
  const home = standIn ? path.join(tmp, 'home') : process.env.HOME;
  const env = { ...process.env, HOME: home, ...stage.env, ...options.env };
  if (standIn) {
    fs.mkdirSync(home, { recursive: true });
    fs.chmodSync(home, 0o777);
  }
  if (stage.user !== 'root' && !standIn) throw new Error(`USER ${stage.user}: no local stand-in for that user`);
  const argv = standIn ? ['setpriv', [`--reuid=${standIn.user}`, `--regid=${standIn.group}`, '--clear-groups', command, ...args]] : [command, args];
  return { argv, env };
}

/** A RUN line with the image's absolute paths moved into the stage, and the image's users into their stand-ins. */
function translateRun(stage, line) {
  let out = line.replace(/(^|[\s=])(\/(?:opt|data|srv|app|home|tmp)(?:\/[^\s;&|]*)?)/g, (_, lead, p) => `${lead}${stage.host(p)}`);
  for (const [user, s] of Object.entries(STAND_IN_USER)) out = out.replace(new RegExp(`\\b${user}:${user}\\b`, 'g'), `${s.user}:${s.group}`);
  const stray = /(^|[\s=])\/(?!(?:opt|data|srv|app|home|tmp)\b|dev\/null)[a-z]/.exec(line);
  if (stray) throw new Error(`RUN uses a path the check does not map: ${line}`);
  return out;
}

function copy(stage, args, stages) {
  const words = args.split(/\s+/);
  const from = words[0].startsWith('--from=') ? words.shift().slice('--from='.length) : undefined;
  const dest = words.pop();
  const source = from ? stages.find((s) => s.name === from) : undefined;
  if (from && !source) throw new Error(`COPY --from=${from}: no such stage`);
  for (const src of words) {
    const srcPath = source ? source.host(src) : path.join(root, src);
    const destPath = stage.host(dest);
    const intoDir = dest.endsWith('/') || words.length > 1 || fs.statSync(srcPath).isDirectory();
    if (fs.statSync(srcPath).isDirectory()) fs.cpSync(srcPath, destPath, { recursive: true });
    else {
      const target = intoDir ? path.join(destPath, path.basename(src)) : destPath;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(srcPath, target);
    }
  }
}

function build() {
  const stages = [];
  let stage;
  for (const { op, args } of instructions(fs.readFileSync(dockerfile, 'utf8'))) {
    if (op === 'FROM') {
      const [, name] = /\bAS\s+(\S+)/i.exec(args) ?? [];
      stage = new Stage(stages.length, name);
      stages.push(stage);
      console.log(`dockerfile-check: FROM ${args} (this machine's Node ${process.version} stands in)`);
      continue;
    }
    console.log(`dockerfile-check: ${op} ${args}`);
    if (op === 'WORKDIR') {
      stage.workdir = path.posix.isAbsolute(args) ? args : path.posix.join(stage.workdir, args);
      fs.mkdirSync(stage.host(stage.workdir), { recursive: true });
    } else if (op === 'COPY') copy(stage, args, stages);
    else if (op === 'RUN') {
      const { argv, env } = runAs(stage, 'bash', ['-euo', 'pipefail', '-c', translateRun(stage, args)]);
      const r = spawnSync(argv[0], argv[1], { cwd: stage.host(stage.workdir), env, stdio: 'inherit', timeout: 300_000 });
      if (r.status !== 0) throw new Error(`RUN failed (exit ${r.status}): ${args}`);
    } else if (op === 'USER') stage.user = args;
    else if (op === 'ENV') for (const [, k, v] of args.matchAll(/(\w+)=(\S+)/g)) stage.env[k] = v;
    else if (op === 'EXPOSE') stage.exposed.push(...args.split(/\s+/).map(Number));
    else if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args);
    else if (op === 'CMD') stage.cmd = JSON.parse(args);
    else throw new Error(`the check does not know the instruction ${op}`);
  }
  return stage;
}

/** TCP ports listening on every interface (0.0.0.0 or ::). */
function wildcardListeners() {
  const ss = spawnSync('ss', ['-ltnH'], { encoding: 'utf8' });
  return new Set(ss.stdout.split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '')
    .filter((a) => /^(0\.0\.0\.0|\*|\[::\]):\d+$/.test(a)).map((a) => Number(a.split(':').pop())));
}

async function checkDefaultCommand(image) {
  const [command, ...entryArgs] = image.entrypoint.map((p) => (p.startsWith('/') ? image.host(p) : p));
  const { argv, env } = runAs(image, command, [...entryArgs, ...image.cmd]);
  console.log(`dockerfile-check: the default command (${[...image.entrypoint, ...image.cmd].join(' ')}) as ${image.user}`);
  const child = spawn(argv[0], argv[1], { cwd: image.host(image.workdir), env, detached: true });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  try {
    while (!/Press Ctrl\+C to stop/.test(out)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the default command did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const listening = wildcardListeners();
    const missing = image.exposed.filter((p) => !listening.has(p));
    if (missing.length) throw new Error(`EXPOSEd but not listening on every interface: ${missing.join(', ')}\n${out}`);
    if (!/admin-token/.test(out)) throw new Error(`off loopback, the start output should say where the admin token is:\n${out}`);
    console.log(`  listening on every interface on ${image.exposed.join(', ')}; the admin token is announced`);
  } finally {
    try {
      process.kill(-child.pid, 'SIGINT');
    } catch {
      /* already gone */
    }
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('close', r)));
  }
}

function checkRehearsal(image) {
  const [command, ...entryArgs] = image.entrypoint.map((p) => (p.startsWith('/') ? image.host(p) : p));
  const { argv, env } = runAs(image, command, [...entryArgs, 'rehearse', '--ci']);
  console.log(`dockerfile-check: ${image.entrypoint.join(' ')} rehearse --ci, as ${image.user}, in ${image.workdir}`);
  const r = spawnSync(argv[0], argv[1], { cwd: image.host(image.workdir), env, encoding: 'utf8', timeout: 300_000 });
  const verdict = `${r.stdout}`.split('\n').find((l) => /^(PASSED|FAILED|PAUSED|INCOMPLETE)\b/.test(l));
  console.log(`  exit ${r.status}: ${verdict ?? ''}`);
  if (r.status !== 0) throw new Error(`rehearse --ci in the image exited ${r.status}:\n${`${r.stdout}${r.stderr}`.split('\n').slice(-20).join('\n')}`);
}

async function main() {
  try {
    const image = build();
    if (image.user === 'root') throw new Error('the image runs as root: give it a USER');
    if (!image.entrypoint || !image.cmd) throw new Error('the image needs an ENTRYPOINT and a CMD');
    await checkDefaultCommand(image);
    checkRehearsal(image);
    console.log('dockerfile-check: the Dockerfile builds, runs as an unprivileged user and binds what it exposes');
  } catch (err) {
    console.error(`dockerfile-check FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
