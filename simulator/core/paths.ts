// Files shipped with the package (openapi/, scenarios/) are found relative to the package root,
// whether running from dist/ or installed with npx.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cda-sim: cannot find the package root');
    dir = up;
  }
  return dir;
}

export const packageRoot = findRoot();
export const openapiDir = path.join(packageRoot, 'openapi');
export const scenariosDir = path.join(packageRoot, 'scenarios');

export function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
}

/**
 * Why a path cda-sim will write later cannot be written, checked before a run touches anything:
 * an existing file where a folder must be (or a folder where a file must be), or a parent that
 * is a file. undefined when the path can be created.
 */
export function outputPathProblem(target: string, kind: 'file' | 'dir'): string | undefined {
  const full = path.resolve(target);
  const st = statOf(full);
  if (st && kind === 'dir' && !st.isDirectory()) return `${target} exists and is not a folder`;
  if (st && kind === 'file' && st.isDirectory()) return `${target} is a folder, not a file`;
  // The nearest existing ancestor must be a folder: the missing ones are created under it.
  let dir = path.dirname(full);
  while (!statOf(dir)) dir = path.dirname(dir);
  if (!statOf(dir)!.isDirectory()) return `${target} cannot be created: ${dir} is a file, not a folder`;
  return undefined;
}

function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}
