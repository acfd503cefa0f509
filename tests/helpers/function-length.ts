// Function lengths measured with the TypeScript compiler's own parser (its API over the native
// compiler): every function, method, accessor, constructor and arrow, by the lines its body spans
// (a nested function counts towards its outer one too).
import fs from 'node:fs';
import path from 'node:path';
import { API } from 'typescript/unstable/sync';
import type { FileSystem } from 'typescript/unstable/fs';
import { isArrowFunction, isConstructorDeclaration, isFunctionLikeDeclaration, isIdentifier, isPropertyAssignment, isVariableDeclaration } from 'typescript/unstable/ast/is';
import type { FunctionLikeDeclaration, Node, SourceFile } from 'typescript/unstable/ast';

export interface FunctionLength {
  /** Where the function starts, as file:line (1-based). */
  where: string;
  name: string;
  lines: number;
}

const PROJECT = '/function-length/tsconfig.json';

function nameOf(fn: FunctionLikeDeclaration, sf: SourceFile): string {
  if ('name' in fn && fn.name) return fn.name.getText(sf);
  const parent = fn.parent;
  if ((isVariableDeclaration(parent) || isPropertyAssignment(parent)) && isIdentifier(parent.name)) return parent.name.getText(sf);
  if (isConstructorDeclaration(fn)) return 'constructor';
  return isArrowFunction(fn) ? '(arrow)' : '(anonymous)';
}

function measureFile(sf: SourceFile, shownAs: string): FunctionLength[] {
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const out: FunctionLength[] = [];
  const visit = (node: Node): void => {
    if (isFunctionLikeDeclaration(node) && node.body) {
      const lines = lineOf(node.body.end) - lineOf(node.body.getStart(sf)) + 1;
      out.push({ where: `${shownAs}:${lineOf(node.getStart(sf))}`, name: nameOf(node, sf), lines });
    }
    node.forEachChild((child) => void visit(child));
  };
  visit(sf);
  return out;
}

/**
 * Parse these files (absolute paths; `sources` gives in-memory text for some) as one project and
 * measure every function in them; each is named by its path relative to `root`.
 */
export function measureFiles(files: string[], root: string, sources: Record<string, string> = {}): FunctionLength[] {
  const tsconfig = JSON.stringify({ compilerOptions: { noLib: true, types: [], noResolve: true, allowJs: false }, files });
  const vfs: FileSystem = {
    // Anything not given here falls back to the real file system (undefined).
    readFile: (f) => (f === PROJECT ? tsconfig : sources[f]),
    fileExists: (f) => (f === PROJECT || f in sources ? true : undefined),
  };
  const api = new API({ fs: vfs, cwd: root });
  try {
    const program = api.updateSnapshot({ openProjects: [PROJECT] }).getProject(PROJECT)?.program;
    if (!program) throw new Error('the TypeScript API opened no project');
    return files.flatMap((f) => {
      const sf = program.getSourceFile(f);
      if (!sf) throw new Error(`the TypeScript API did not parse ${f}`);
      return measureFile(sf, path.relative(root, f));
    });
  } finally {
    api.close();
  }
}

/** Every .ts file under these folders of `root`. */
export function tsFilesUnder(root: string, folders: string[]): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
  return folders.flatMap((f) => walk(path.join(root, f))).sort();
}
