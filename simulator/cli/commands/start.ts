// `cda-sim start`: run the CDA-side servers until interrupted, printing where they listen.
import { defineCommand, strictOption, withDirs } from '../command.js';
import { asUsageError, EXIT } from '../../core/exit-codes.js';
import type { Simulator } from '../../server/simulator.js';
import { systemClock } from '../../core/clock.js';
import { packageVersion } from '../../core/paths.js';
import type { MtlsMode } from '../../http/listeners.js';
import { COMPAT_MODES } from '../../ca/compat-modes.js';
import { journalCapBytes, journalCapOption } from './journal.js';

/** Off loopback: where the admin token is; the token itself only when this start made it. */
function adminTokenLines(t: Simulator['adminToken'], admin?: string): string[] {
  if (!t) return [];
  return [
    `  The admin API and console are not on loopback, so every call needs Authorization: Bearer <token>; the token is in ${t.file} (0600).`,
    ...(t.created ? [`  token: ${t.token}`, `  console: ${admin}/console/?token=${t.token}`] : []),
  ];
}

export const startCommand = defineCommand({
  command: 'start',
  describe: 'Start the simulator (C&A over HTTPS+mTLS and HTTP, admin API) and print its endpoints',
  builder: (y) =>
    withDirs(y)
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to bind (loopback unless told otherwise)' })
      .option('https-port', { type: 'number', default: 8443, describe: 'C&A HTTPS (mTLS) port; 0 picks a free one' })
      .option('http-port', { type: 'number', default: 8081, describe: 'C&A plain HTTP port; 0 picks a free one, -1 turns it off' })
      .option('admin-port', { type: 'number', default: 8088, describe: 'Admin API port; 0 picks a free one, -1 turns it off' })
      .option('mtls', { choices: ['need', 'want', 'none'] as const, default: 'need' as const, describe: 'Client certificates on the HTTPS port: required, optional or not asked for' })
      .option('resource-id-format', { choices: ['live', 'uuid'] as const, default: 'live' as const, describe: 'live: UUID plus one trailing digit (as the live C&A); uuid: strict UUID' })
      .option('issuer', { type: 'string', describe: 'C&A issuer URL (default: the HTTPS listener URL)' })
      .option('hostname', { type: 'string', array: true, describe: 'Extra DNS names for the server certificate' })
      .option('users', { type: 'string', describe: 'Test users file (default: the shipped scenarios/test-users.json)' })
      .option('compat', { choices: COMPAT_MODES, describe: 'Answer as MaPS’s C&A test harness does where it differs (C&A and reporting; every difference is in the README’s compat table)' })
      .option('strict', strictOption)
      .option('fsync', { type: 'boolean', default: false, describe: 'fsync every state change, journal line and reporting submission before the answer, once per turn (survive power loss as well as a killed process)' })
      .option('spec-dir', { type: 'string', describe: 'A folder of OpenAPI files (YAML or JSON; the official ones from PDP, say) that validation follows instead of the built-in documents, operation by operation' })
      .option('journal-cap-mib', journalCapOption),
  run: async (args) => {
    // Loaded here, not at the top: `start --help` needs only the options above.
    const [{ startSimulator }, { BUILT_IN_PROFILE, describeProfile, loadSpecProfile, profileRecord }, { expiryWarnings }] = await Promise.all([
      import('../../server/simulator.js'),
      import('../../http/spec-profile.js'),
      import('../../crypto/material.js'),
    ]);
    // Read before anything starts: a file that cannot be parsed is a usage error (exit 2).
    const specDir = args['spec-dir'];
    const profile = specDir ? asUsageError(() => loadSpecProfile(specDir)) : undefined;
    const port = (p: number) => (p < 0 ? null : p);
    const sim = await startSimulator({
      stateDir: args['state-dir'],
      certsDir: args['certs-dir'],
      host: args.host,
      httpsPort: port(args['https-port']),
      httpPort: port(args['http-port']),
      adminPort: port(args['admin-port']),
      mtls: args.mtls as MtlsMode,
      issuer: args.issuer,
      hostnames: args.hostname,
      usersFile: args.users,
      fsync: args.fsync,
      journalCapBytes: journalCapBytes(args['journal-cap-mib']),
      compat: args.compat,
      profile,
      strict: args.strict,
      ca: { resourceIdFormat: args['resource-id-format'] },
    });
    // Listen for Ctrl+C / SIGTERM before saying we are running, so a stop that follows at once is graceful.
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    const e = sim.endpoints;
    const lines = [
      `cda-sim ${packageVersion()} (profile ${sim.profile.label}) is running`,
      // The user's files: each with its title, version and digest, and whatever is not honoured.
      ...(sim.profile.id === BUILT_IN_PROFILE ? [] : describeProfile(profileRecord(sim.profile)).map((l) => `  ${l}`)),
      e.https ? `  C&A (HTTPS, mTLS ${args.mtls}): ${e.https}` : '',
      args.compat ? `  compatibility:              ${args.compat} (answers as MaPS's C&A test harness does)` : '',
      args.strict === false ? "  strictness:                 off (--strict=false): requests breaking only cda-sim's own rules are accepted, each violation a warning in the journal" : '',
      e.http ? `  C&A (HTTP):                 ${e.http}` : '',
      e.admin ? `  admin API:                  ${e.admin}/admin/status` : '',
      e.admin ? `  web console:                ${e.admin}/console/` : '',
      `  issuer:                     ${e.issuer}`,
      `  token endpoint:             ${e.issuer}/token`,
      `  JWKS:                       ${e.issuer}/jwk_uri`,
      `  state: ${args['state-dir']}   certs: ${args['certs-dir']} (trust ca.crt; present provider-client.crt)`,
      ...adminTokenLines(sim.adminToken, e.admin),
      'Press Ctrl+C to stop.',
    ].filter(Boolean);
    console.log(lines.join('\n'));
    for (const w of expiryWarnings(sim.material, systemClock)) console.error(`warning: ${w}`);
    await stopped;
    await sim.close();
    console.log('cda-sim stopped; state saved.');
    return EXIT.ok;
  },
});
