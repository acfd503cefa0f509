// `cda-sim certs [create|show|rotate]`: manage the generated CA, certificates and JOSE keys.
import { isIP } from 'node:net';
import type { Argv } from 'yargs';
import { systemClock } from '../../core/clock.js';
import {
  describeMaterial,
  ensureMaterial,
  expiryWarnings,
  rotateMaterial,
  type CertInfo,
  type Material,
} from '../../crypto/material.js';
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';

const ACTIONS = ['create', 'show', 'rotate'] as const;
const ROTATE_SCOPES = ['tls', 'keys', 'all'] as const;

interface CertsArgs {
  action: (typeof ACTIONS)[number];
  only: (typeof ROTATE_SCOPES)[number];
  hostname: string[];
  'certs-dir': string;
  'state-dir': string;
}

export const certsCommand = defineCommand<CertsArgs>({
  command: 'certs [action]',
  describe: 'Create, show or rotate the generated CA, TLS certificates and signing keys',
  builder: (y: Argv) =>
    withDirs(y)
      .positional('action', {
        choices: ACTIONS,
        default: 'create' as const,
        describe: 'create: generate whatever is missing; show: list certificates and expiry; rotate: regenerate',
      })
      .option('only', {
        choices: ROTATE_SCOPES,
        default: 'all' as const,
        describe: 'With rotate: tls (CA and certificates), keys (JOSE signing/encryption keys) or all',
      })
      .option('hostname', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Extra hostname or IP for the server certificate (repeatable)',
      }) as unknown as Argv<CertsArgs>,
  async run(args) {
    const action = args.action ?? 'create';
    if (!ACTIONS.includes(action)) throw new CliError(`unknown certs action "${String(action)}" (use ${ACTIONS.join(', ')})`);
    const only = args.only ?? 'all';
    if (!ROTATE_SCOPES.includes(only)) throw new CliError(`--only must be one of ${ROTATE_SCOPES.join(', ')}`);
    const hostnames = checkHostnames(args.hostname ?? []);
    const dir = args['certs-dir'];
    const clock = systemClock;

    try {
      if (action === 'rotate') {
        const m = await rotateMaterial(dir, { clock, only, hostnames });
        printRotated(m, only);
        return EXIT.ok;
      }
      const { material, created } = await ensureMaterial(dir, { clock, hostnames });
      if (action === 'create') {
        console.log(
          created.length > 0
            ? `Generated in ${dir}: ${created.join(', ')}`
            : `All material already present in ${dir}; nothing generated.`,
        );
      } else {
        if (created.length > 0) console.error(`Generated in ${dir}: ${created.join(', ')}`);
        printTable(describeMaterial(material, clock));
        printKids(material);
      }
      for (const w of expiryWarnings(material, clock)) console.error(`warning: ${w}`);
      return EXIT.ok;
    } catch (err) {
      // Unreadable or unwritable certs dir, corrupt keys.json: the environment, not the usage.
      throw new CliError(`certs ${action} failed: ${(err as Error).message}`, EXIT.environment);
    }
  },
});

function checkHostnames(names: string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const name = String(raw).trim();
    if (!isIP(name) && !/^(?=.{1,253}$)[a-z0-9*]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(name)) {
      throw new CliError(`--hostname "${name}" is not a valid DNS name or IP address`);
    }
    out.push(name);
  }
  return out;
}

function printTable(infos: CertInfo[]): void {
  const headers = ['NAME', 'PATH', 'SUBJECT', 'SHA-256 FINGERPRINT', 'EXPIRES', 'DAYS LEFT', 'STATUS'];
  const rows = infos.map((i) => [
    i.name,
    i.path,
    i.subject,
    i.fingerprint,
    i.notAfter.slice(0, 10),
    String(i.daysLeft),
    i.status,
  ]);
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  for (const row of [headers, ...rows]) {
    console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
  }
}

function printKids(m: Material): void {
  // jwks() lists the current keys first, then the retired ones.
  const { keys } = m.jwks();
  const current = keys.length - m.retiredKeys.length;
  const labels = keys.map((k, i) => `${String(k.kid)} (${i < current ? String(k.use) : 'retired'})`);
  console.log('');
  console.log(`JWKS kids: ${labels.join(', ')}`);
}

function printRotated(m: Material, only: CertsArgs['only']): void {
  if (only !== 'keys') {
    const ca = describeMaterial(m, systemClock).find((i) => i.name === 'ca');
    console.log(`Regenerated the CA and every certificate in ${m.dir}. New CA fingerprint: ${ca?.fingerprint}`);
    console.log(`Providers must trust the new ${m.ca.certPath} and use the new client certificates.`);
  }
  if (only !== 'tls') {
    const kids = Object.values(m.keys).map((k) => k.kid);
    console.log(`Regenerated keys: ${kids.join(', ')}.`);
    console.log(`The previous public signing keys stay published in the JWKS, so tokens signed before now still verify.`);
  }
  console.log('Restart cda-sim if it is running, so it uses the new material.');
}
