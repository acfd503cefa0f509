// Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per file or
// package, so a bench run can say where the server spends its time without opening DevTools.
// Also runnable on its own: node dist/bench/cpuprofile.js <file.cpuprofile> [top]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lib.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

/** "node_modules/express/lib/x.js" → "express"; project files relative to the root. */
function owner(url: string): string {
  if (!url) return '(native / V8)';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (file.startsWith('node:')) return file;
  return path.isAbsolute(file) ? path.relative(ROOT, file) : file;
}

export interface Summary {
  totalMs: number;
  /** Self time: where the CPU was when sampled. */
  functions: Hotspot[];
  owners: Hotspot[];
  /** Total (inclusive) time of the simulator's own functions: which of its steps cost most. */
  projectTotals: Hotspot[];
}

export function summarise(file: string, top = 20): Summary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fn = new Map<string, Hotspot>();
  const own = new Map<string, Hotspot>();
  const inclusive = new Map<string, Hotspot>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    // Each delta is the time since the previous sample; charge it to the function sampled.
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const n = byId.get(p.samples[i]);
    if (!n) continue;
    total += ms;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${owner(url)}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const f = fn.get(key) ?? { name, where, selfMs: 0, percent: 0 };
    f.selfMs += ms;
    fn.set(key, f);
    const o = owner(url);
    const g = own.get(o) ?? { name: o, where: '', selfMs: 0, percent: 0 };
    g.selfMs += ms;
    own.set(o, g);
    // Inclusive: charge every project function on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id)!.callFrame;
      const o2 = owner(cf.url);
      if (!o2.startsWith('dist/simulator/')) continue;
      const k = `${cf.functionName || '(anonymous)'} ${o2}:${cf.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const h = inclusive.get(k) ?? { name: cf.functionName || '(anonymous)', where: `${o2}:${cf.lineNumber + 1}`, selfMs: 0, percent: 0 };
      h.selfMs += ms;
      inclusive.set(k, h);
    }
  }
  const rank = (m: Map<string, Hotspot>) =>
    [...m.values()]
      .map((h) => ({ ...h, selfMs: Math.round(h.selfMs), percent: Math.round((1000 * h.selfMs) / total) / 10 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { totalMs: Math.round(total), functions: rank(fn), owners: rank(own), projectTotals: rank(inclusive) };
}

export function printSummary(label: string, file: string, top = 20): Summary {
  const s = summarise(file, top);
  console.log(`\nCPU profile: ${label} (${(s.totalMs / 1000).toFixed(1)} s sampled) ${path.relative(ROOT, file)}`);
  console.log('  self ms    %     function  (file:line)');
  for (const h of s.functions) console.log(`  ${String(h.selfMs).padStart(7)}  ${h.percent.toFixed(1).padStart(5)}  ${h.name}  ${h.where}`);
  console.log('  by file / package:');
  for (const h of s.owners.slice(0, 12)) console.log(`  ${String(h.selfMs).padStart(7)}  ${h.percent.toFixed(1).padStart(5)}  ${h.name}`);
  console.log('  total (self + callees) of simulator functions:');
  for (const h of s.projectTotals) console.log(`  ${String(h.selfMs).padStart(7)}  ${h.percent.toFixed(1).padStart(5)}  ${h.name}  ${h.where}`);
  return s;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/cpuprofile.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  printSummary(path.basename(file), path.resolve(file), Number(top ?? 25));
}
