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
