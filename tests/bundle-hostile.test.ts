// A bundle is untrusted input: a crafted one (a path that climbs out, an absolute path, a link, a
// gzip bomb, a file changed after export, a run or scenario id that is a path) is refused by
// `inspect` and `replay` with one line and exit 2, memory stays bounded, and nothing is written
// outside the folder the command works in. Each hostile bundle is made from a real exported one,
// so what refuses it is the hostility, not a broken bundle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { rehearse } from './helpers/rehearse.js';
import { exportRun } from '../simulator/runs/bundle.js';
import { readTarGz, ustarHeader } from '../simulator/runs/tar.js';
import { sharedMaterial, tempDir } from './helpers/fixtures.js';
import { cliProcess } from './helpers/cli-process.js';

const BLOCK = 512;

interface Entry {
  name: string;
  data?: Buffer;
  /** ustar type flag: '0' file, '1' hard link, '2' symbolic link, '5' folder. */
  type?: string;
  linkname?: string;
  /** The size the header claims (a bomb claims more than it carries). */
  size?: number;
}

/** One ustar header, saying what cda-sim's own writer never would (a link, a size the data does not have). */
const header = (e: Entry) => ustarHeader(e.name, e.size ?? e.data?.length ?? 0, 0, e.type, e.linkname);

function tarOf(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    parts.push(header(e), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const ctx = { sandbox: '', stateDir: '', runId: '', folder: '', members: [] as { name: string; data: Buffer }[], certsDir: '', n: 0 };

/** The real bundle's files (names relative to its folder), with `change` applied, and a manifest that vouches for them. */
function bundleWith(change: (files: Map<string, Buffer>) => void, extra: Entry[] = [], folder = ctx.folder): string {
  const files = new Map(ctx.members.filter((m) => !m.name.endsWith('/bundle.json')).map((m) => [m.name.slice(ctx.folder.length + 1), m.data]));
  change(files);
  const manifest = JSON.parse(ctx.members.find((m) => m.name.endsWith('/bundle.json'))!.data.toString('utf8'));
  manifest.files = [...files].map(([name, data]) => ({ name, bytes: data.length, sha256: sha256(data) }));
  const entries: Entry[] = [{ name: `${folder}/bundle.json`, data: Buffer.from(JSON.stringify(manifest)) }, ...[...files].map(([name, data]) => ({ name: `${folder}/${name}`, data })), ...extra];
  return writeBundle(zlib.gzipSync(tarOf(entries)));
}

function writeBundle(gz: Buffer): string {
  const file = path.join(ctx.sandbox, 'work', `hostile-${++ctx.n}.tar.gz`);
  fs.writeFileSync(file, gz);
  return file;
}

const editJson = (files: Map<string, Buffer>, name: string, edit: (o: Record<string, any>) => void) => {
  const o = JSON.parse(files.get(name)!.toString('utf8'));
  edit(o);
  files.set(name, Buffer.from(JSON.stringify(o)));
};

/** Every file and link under the sandbox, with what it holds: a change anywhere shows. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out.set(p, `link ${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) {
        out.set(p, 'dir');
        walk(p);
      } else out.set(p, `${fs.statSync(p).mtimeMs} ${sha256(fs.readFileSync(p))}`);
    }
  };
  walk(dir);
  return out;
}

/** The CLI in a child process, its temporary files inside the sandbox, its peak memory reported on exit. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; maxRssMb: number }> {
  // FORCE_COLOR unset: with NO_COLOR also set, Node warns on stderr, and stderr must be the one line.
  const env = { FORCE_COLOR: undefined, CI: 'true', TMPDIR: path.join(ctx.sandbox, 'tmp'), NODE_OPTIONS: `--require ${path.join(ctx.sandbox, 'rss.cjs')}` };
  const r = await cliProcess(args, path.join(ctx.sandbox, 'work'), env, 20000);
  const rss = /^maxrss-kb=(\d+)$/m.exec(r.stderr);
  return { ...r, stderr: r.stderr.replace(/^maxrss-kb=\d+\n?/m, '').trim(), maxRssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

/** Refused: exit 2, one line that says why, and not one file written, changed or removed anywhere in the sandbox. */
async function assertRefused(args: string[], why: RegExp): Promise<{ maxRssMb: number }> {
  const before = snapshot(ctx.sandbox);
  const r = await run(args);
  assert.is(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.is(r.stderr.split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, why);
  assert.match(r.stderr, /is not a readable cda-sim bundle: /);
  assert.not.match(r.stderr, /\n\s+at /);
  assert.equal([...snapshot(ctx.sandbox)], [...before], `${args.join(' ')} changed the sandbox`);
  return r;
}

const inspect = (bundle: string) => ['inspect', bundle];
const replay = (bundle: string) => ['replay', bundle, '--state-dir', path.join(ctx.sandbox, 'work', 'state'), '--certs-dir', ctx.certsDir, '--ci'];

test('setup: a real run exported, a sandbox with a victim file beside the working folder', async () => {
  const { dir } = await sharedMaterial();
  ctx.certsDir = dir;
  const stateDir = tempDir();
  const { results } = await rehearse({ stateDir, certsDir: dir, scenarios: ['connection-proving'], progress: () => {} });
  const out = path.join(tempDir(), 'real.tar.gz');
  await exportRun(stateDir, results.run.id, out);
  Object.assign(ctx, { stateDir, runId: results.run.id });
  ctx.members = readTarGz(fs.readFileSync(out));
  ctx.folder = `cda-sim-run-${results.run.id}`;
  ctx.sandbox = tempDir('cda-sim-hostile-');
  for (const d of ['work', 'tmp', 'victim']) fs.mkdirSync(path.join(ctx.sandbox, d));
  fs.writeFileSync(path.join(ctx.sandbox, 'package.json'), '{"name":"victim"}\n');
  fs.writeFileSync(path.join(ctx.sandbox, 'victim', 'package.json'), '{"name":"victim"}\n');
  fs.writeFileSync(path.join(ctx.sandbox, 'rss.cjs'), "process.on('exit', () => require('fs').writeSync(2, 'maxrss-kb=' + process.resourceUsage().maxRSS + '\\n'));\n");
  // The control: rebuilt by this test's own writer and unchanged, the bundle is read.
  const ok = await run(inspect(bundleWith(() => {})));
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`run ${results.run.id}`));
});

test('an entry that climbs out with ../ is refused', async () => {
  const b = bundleWith(() => {}, [{ name: `${ctx.folder}/../../victim/pwn.json`, data: Buffer.from('{}') }]);
  await assertRefused(inspect(b), /the entry "cda-sim-run-\S+\/\.\.\/\.\.\/victim\/pwn\.json" climbs out of its folder/);
  await assertRefused(replay(b), /climbs out of its folder/);
});

test('an entry with an absolute path is refused', async () => {
  const target = path.join(ctx.sandbox, 'victim', 'abs.json');
  const b = bundleWith(() => {}, [{ name: target, data: Buffer.from('{}') }]);
  await assertRefused(inspect(b), /the entry "\/\S+\/victim\/abs\.json" is an absolute path/);
  await assertRefused(replay(b), /is an absolute path/);
});

test('symbolic and hard links are refused by name', async () => {
  const link = (type: string) => bundleWith(() => {}, [{ name: `${ctx.folder}/inputs/evil.json`, type, linkname: path.join(ctx.sandbox, 'victim', 'package.json') }]);
  await assertRefused(inspect(link('2')), /the entry "cda-sim-run-\S+\/inputs\/evil\.json" is a symbolic link; a bundle holds only regular files and folders/);
  await assertRefused(replay(link('1')), /the entry "cda-sim-run-\S+\/inputs\/evil\.json" is a hard link/);
});

test('a gzip bomb (512 MiB of zeros in half a megabyte) is refused and memory stays bounded', async () => {
  // Gzip members concatenate: one 8 MiB member of zeros, 64 times, after a header that claims them.
  const head = zlib.gzipSync(header({ name: `${ctx.folder}/results.json`, size: 512 * 1024 * 1024 }));
  const zeros = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
  const bomb = writeBundle(Buffer.concat([head, ...Array.from({ length: 64 }, () => zeros)]));
  assert.ok(fs.statSync(bomb).size < 1024 * 1024, `the bomb is ${fs.statSync(bomb).size} bytes`);
  const r = await assertRefused(inspect(bomb), /it unpacks to more than 64 MiB .*gzip bomb/);
  assert.ok(r.maxRssMb > 0 && r.maxRssMb < 300, `inspect peaked at ${r.maxRssMb.toFixed(0)} MB`);
});

test('a bundle file over 64 MiB is refused before it is read', async () => {
  const big = path.join(ctx.sandbox, 'work', 'big.tar.gz');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 65 * 1024 * 1024); // sparse: nothing written, the size is what counts
  const r = await assertRefused(inspect(big), /is 68,157,440 bytes; a bundle is at most 64 MiB/);
  assert.ok(r.maxRssMb < 300, `inspect peaked at ${r.maxRssMb.toFixed(0)} MB`);
});

test('more than 10,000 entries are refused', async () => {
  const many = Array.from({ length: 10_001 }, (_, i) => ({ name: `${ctx.folder}/f${i}` }));
  await assertRefused(inspect(writeBundle(zlib.gzipSync(tarOf(many)))), /it has more than 10,000 entries/);
});

test('a file changed after export is refused, naming it; so is a file the manifest does not list', async () => {
  const files = new Map(ctx.members.map((m) => [m.name, m.data]));
  const results = `${ctx.folder}/results.json`;
  files.set(results, Buffer.concat([files.get(results)!, Buffer.from(' ')])); // one byte more: still valid JSON
  const tampered = writeBundle(zlib.gzipSync(tarOf([...files].map(([name, data]) => ({ name, data })))));
  await assertRefused(inspect(tampered), /results\.json does not match its sha256 in bundle\.json/);
  await assertRefused(replay(tampered), /results\.json does not match its sha256/);
  const smuggled = writeBundle(zlib.gzipSync(tarOf([...ctx.members, { name: `${ctx.folder}/inputs/extra.json`, data: Buffer.from('{}') }])));
  await assertRefused(inspect(smuggled), /the entry "inputs\/extra\.json" is not listed in bundle\.json/);
});

test('a scenario id that is a path is refused before replay writes anything', async () => {
  const b = bundleWith((files) => editJson(files, 'scenarios/connection-proving.json', (s) => (s.id = '../../package')));
  await assertRefused(replay(b), /the scenario id "\.\.\/\.\.\/package" is not a safe name/);
  await assertRefused(inspect(b), /the scenario id "\.\.\/\.\.\/package" is not a safe name/);
  assert.is(fs.readFileSync(path.join(ctx.sandbox, 'package.json'), 'utf8'), '{"name":"victim"}\n');
});

test('a run id that is a path is refused, with --console too (it would lay the run out on disk)', async () => {
  const b = bundleWith((files) => editJson(files, 'results.json', (r) => (r.run.id = '..')));
  await assertRefused([...inspect(b), '--console'], /results\.json run id "\.\." is not a safe name/);
  await assertRefused(replay(b), /run id "\.\." is not a safe name/);
});

test('an entry name with a control character or a dot file is refused', async () => {
  await assertRefused(inspect(bundleWith(() => {}, [{ name: `${ctx.folder}/.bashrc`, data: Buffer.from('x') }])), /has a segment "\.bashrc" that is not a safe name/);
  await assertRefused(inspect(bundleWith(() => {}, [{ name: `${ctx.folder}/a\nb.json`, data: Buffer.from('x') }])), /has a segment "a\\nb\.json" that is not a safe name/);
});

test('export leaves out a run file whose name a bundle may not carry, says so, and writes a bundle that reads', async () => {
  const runFolder = path.join(ctx.stateDir, 'runs', ctx.runId);
  fs.writeFileSync(path.join(runFolder, '.hidden.json'), '{}');
  fs.writeFileSync(path.join(runFolder, 'my notes.txt'), 'x');
  fs.mkdirSync(path.join(runFolder, 'a', 'b', 'c'), { recursive: true });
  fs.writeFileSync(path.join(runFolder, 'a', 'b', 'c', 'deep.json'), '{}');
  fs.writeFileSync(path.join(runFolder, 'notes.txt'), 'kept');
  const out = path.join(ctx.sandbox, 'work', 'exported.tar.gz');
  const r = await run(['export', ctx.runId, '--out', out, '--state-dir', ctx.stateDir]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /left out, as a bundle may not carry their names .*: \.hidden\.json, a\/b\/c\/deep\.json, my notes\.txt/);
  const names = readTarGz(fs.readFileSync(out)).map((m) => m.name.slice(ctx.folder.length + 1));
  assert.ok(names.includes('notes.txt'), names.join(', '));
  assert.not.ok(names.some((n) => /hidden|deep|my notes/.test(n)), names.join(', '));
  const read = await run(inspect(out));
  assert.is(read.code, 0, read.stderr);
});

test.run();
