// Where the browser tests' Chromium is. playwright-core drives a Chromium already on the machine
// (its own browser download is not used): CDA_SIM_CHROMIUM or CHROME_PATH when set, else
// chromium, chromium-browser or google-chrome on the PATH, else /usr/bin/chromium. The test
// runner calls ensureChromium before any browser test: on Debian, as root with apt-get, it installs
// Debian's chromium, saying so first; anywhere else it fails with what is needed. Never a skip.
// Run directly (`node dist/tests/helpers/chromium.js`) it does the same and prints the path, or the
// reason and exits 1.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_VARIABLES = ['CDA_SIM_CHROMIUM', 'CHROME_PATH'] as const;
export const CHROMIUM_COMMANDS = ['chromium', 'chromium-browser', 'google-chrome'] as const;
export const CHROMIUM_WELL_KNOWN = ['/usr/bin/chromium'];
export const APT_INSTALL = ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'];

export interface ChromiumSearch {
  env: NodeJS.ProcessEnv;
  /** Paths tried after the PATH (tests pass [] to see the not-found path on a machine that has one). */
  wellKnown?: string[];
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** The Chromium to use, or undefined; a variable that names no executable is an error, not a fallback. */
export function findChromium({ env, wellKnown = CHROMIUM_WELL_KNOWN }: ChromiumSearch): string | undefined {
  for (const name of CHROMIUM_VARIABLES) {
    const given = env[name];
    if (!given) continue;
    if (executable(given)) return given;
    throw new Error(`${name} is set to ${given}, which is not an executable file: point it at Chromium's executable, or unset it to search the PATH`);
  }
  for (const command of CHROMIUM_COMMANDS) {
    const found = onPath(command, env);
    if (found) return found;
  }
  return wellKnown.find(executable);
}

/** apt-get on the PATH, as root, on Debian: the one place this installs Chromium by itself. */
export function canInstallWithApt(env: NodeJS.ProcessEnv): boolean {
  return process.getuid?.() === 0 && fs.existsSync('/etc/debian_version') && onPath('apt-get', env) !== undefined;
}

export function notFoundMessage(search: ChromiumSearch): string {
  const looked = [...CHROMIUM_VARIABLES.map((v) => `$${v}`), ...CHROMIUM_COMMANDS.map((c) => `${c} on the PATH`), ...(search.wellKnown ?? CHROMIUM_WELL_KNOWN)];
  return [
    `The browser tests need Chromium and none was found (looked at: ${looked.join(', ')}).`,
    `Install it (Debian or Ubuntu: apt-get update && ${APT_INSTALL.join(' ')}, as root; the test line does this itself when run as root on Debian),`,
    'or set CDA_SIM_CHROMIUM to a Chromium or Chrome executable. playwright\'s own browser download is not used.',
  ].join('\n');
}

function apt(args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): the browser tests need Chromium`);
}

/** Finds Chromium, installing Debian's where this can; otherwise throws the not-found message. */
export function ensureChromium(search: ChromiumSearch, say: (line: string) => void = console.log): string {
  const found = findChromium(search);
  if (found) return found;
  if (!canInstallWithApt(search.env)) throw new Error(notFoundMessage(search));
  say(`Chromium not found; the browser tests need it: installing Debian's package (apt-get update && ${APT_INSTALL.join(' ')})`);
  apt(['update'], search.env);
  apt(APT_INSTALL.slice(1), search.env);
  const installed = findChromium(search);
  if (!installed) throw new Error(`${APT_INSTALL.join(' ')} succeeded but no Chromium is to be found.\n${notFoundMessage(search)}`);
  say(`Chromium installed: ${installed}`);
  return installed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    console.log(ensureChromium({ env: process.env }, (line) => console.error(line)));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
