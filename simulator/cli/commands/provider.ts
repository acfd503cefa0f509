// `cda-sim provider`: run the reference provider on its own until Ctrl+C, against a C&A (cda-sim's
// own, started with `cda-sim start`, by default). It loads the test data pack, answers finds and
// views, and prints the URLs to give cda-sim (or to read the code in simulator/provider/ against).
import path from 'node:path';
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../exit-codes.js';
import { systemClock } from '../../core/clock.js';
import { ensureMaterial } from '../../crypto/material.js';
import { defaultCaConfig } from '../../ca/config.js';
import { loadTestData, TESTDATA_FILE, type TestDataPack } from '../../testdata/records.js';
import { PROVIDER_FAULTS, startReferenceProvider, type ProviderFault } from '../../provider/reference-provider.js';
import { loadOrCreateSigningKey } from '../../provider/signing-key.js';

export const providerCommand = defineCommand({
  command: 'provider',
  describe: 'Run the reference provider (find and view endpoints) against a C&A until Ctrl+C',
  builder: (y) =>
    withDirs(y)
      .option('ca-url', { type: 'string', default: 'http://localhost:8081', describe: 'Where the provider calls the C&A (/token, /rreguri, /perm, /introspect)' })
      .option('ca-issuer', { type: 'string', default: 'https://localhost:8443', describe: 'The C&A issuer: user tokens are addressed to <issuer>/token; as_uri in the 401 challenge' })
      .option('jwks-url', { type: 'string', describe: 'The C&A JWKS (default: <ca-url>/jwk_uri)' })
      .option('pfs-issuer', { type: 'string', default: defaultCaConfig.pfsIssuer, describe: 'The iss that user tokens and find request tokens carry' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to bind (loopback unless told otherwise)' })
      .option('port', { type: 'number', default: 9443, describe: 'Port for the find and view endpoints; 0 picks a free one' })
      .option('tls', { type: 'boolean', default: true, describe: 'HTTPS with mTLS (the certs dir’s server certificate; clients must present a certificate from its CA); --no-tls for plain HTTP' })
      .option('testdata', { type: 'string', describe: 'The test data pack to load (default: the shipped scenarios/testdata.json)' })
      .option('provider-id', { type: 'string', default: 'cda-sim-reference-provider', describe: 'iss of the view data tokens' })
      .option('fault', { type: 'string', array: true, choices: PROVIDER_FAULTS as ProviderFault[], hidden: true, describe: 'Deliberate defects, for cda-sim’s own tests only' }),
  run: async (args) => {
    const caUrl = args['ca-url'].replace(/\/$/, '');
    let testData: TestDataPack;
    try {
      testData = loadTestData(args.testdata ?? TESTDATA_FILE);
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.usage);
    }
    const { material } = await ensureMaterial(args['certs-dir'], { clock: systemClock });
    const dir = path.join(args['state-dir'], 'reference-provider');
    const toCa = caUrl.startsWith('https:') ? { ca: material.ca.cert, cert: material.providerClient.cert, key: material.providerClient.key } : undefined;

    let provider: Awaited<ReturnType<typeof startReferenceProvider>>;
    try {
      provider = await startReferenceProvider({
        host: args.host,
        port: args.port,
        tls: args.tls ? { cert: material.server.cert, key: material.server.key, clientCa: [material.ca.cert], mtls: 'need' } : null,
        ca: { baseUrl: caUrl, issuer: args['ca-issuer'], jwksUrl: args['jwks-url'] ?? `${caUrl}/jwk_uri`, tls: toCa },
        pfsIssuer: args['pfs-issuer'],
        testData,
        providerId: args['provider-id'],
        // Kept in the state dir, so a restart keeps the key dashboards verify view data with.
        signingKey: await loadOrCreateSigningKey(path.join(dir, 'view-signing-key.json')),
        stateFile: path.join(dir, 'state.json'),
        faults: args.fault as ProviderFault[] | undefined,
        log: (line) => console.log(`${new Date().toISOString()} ${line}`),
      });
    } catch (err) {
      // A port in use and the like are already CliErrors (exit 3); a bad pack, key or state file is a usage error.
      if (err instanceof CliError) throw err;
      throw new CliError(`the reference provider cannot start: ${(err as Error).message}`, EXIT.usage);
    }
    // Listen for Ctrl+C / SIGTERM before saying we are running, so a stop that follows at once is graceful.
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    console.log(
      [
        `reference provider is running (${testData.records.length} pension record(s), holdername GUID(s) ${provider.holdernameGuids.join(', ')})`,
        `  find URL: ${provider.findUrl}`,
        `  view URL: ${provider.viewUrl}   (GET <view URL>/<assetGuid>?scope=owner)`,
        `  JWKS:     ${provider.jwksUrl}`,
        `  C&A:      ${caUrl} (issuer ${args['ca-issuer']})`,
        args.tls ? `  mTLS: callers must present a certificate issued by ${path.join(args['certs-dir'], 'ca.crt')} (cda-client.crt)` : '  plain HTTP (no TLS)',
        'Press Ctrl+C to stop.',
      ].join('\n'),
    );
    await stopped;
    await provider.close();
    console.log('reference provider stopped; PATs and registered PeIs saved.');
    return EXIT.ok;
  },
});
