// The pieces every run against a provider shares (the rehearsal, the soak): how cda-sim reaches the
// provider over TLS, how it starts the built-in reference provider against its simulator, and the
// PFS and dashboard drivers that talk to it.
import fs from 'node:fs';
import tls from 'node:tls';
import type { Clock } from '../core/clock.js';
import { CliError, EXIT } from '../core/exit-codes.js';
import { createSigner } from '../crypto/jose.js';
import type { ProviderConfig } from '../config/provider-config.js';
import { call, type CallFailed, type TlsClientOptions } from '../http/client.js';
import type { RunSimulator as Simulator } from './simulated-cda.js';
import { tokenEndpoint } from '../ca/config.js';
import type { TestDataPack } from '../testdata/records.js';
import { PfsDriver } from '../pfs/pfs-driver.js';
import { DashboardDriver } from '../dashboard/dashboard-driver.js';
import type { ProviderFault, ReferenceProvider, startReferenceProvider } from '../provider/reference-provider.js';
import { viewTokenVerifier } from '../scenarios/context.js';

export const DASHBOARD_ISSUER = 'https://dashboard.cda-sim.localhost';

export function providerTls(cfg: ProviderConfig, sim: Simulator): TlsClientOptions {
  const t = cfg.provider.tls ?? {};
  const read = (f?: string) => (f ? fs.readFileSync(f, 'utf8') : undefined);
  // The system's trusted roots plus the cda-sim CA (which issues the reference provider's certificate).
  const ca = [...tls.rootCertificates, sim.material.ca.cert, ...(t.trustCaFile ? [read(t.trustCaFile)!] : [])];
  return {
    ca,
    cert: read(t.clientCertFile) ?? sim.material.cdaClient.cert,
    key: read(t.clientKeyFile) ?? sim.material.cdaClient.key,
    rejectUnauthorized: !t.insecureSkipVerify,
  };
}

/**
 * Before judging anything, make sure the provider answers at all: an unreachable endpoint or a TLS
 * failure is an environment problem (exit 3), not a failed test case.
 */
export async function assertReachable(url: string, tls: TlsClientOptions): Promise<void> {
  try {
    await call({ method: 'HEAD', url, tls, timeoutMs: 10000, freshConnection: true });
  } catch (err) {
    const e = err as CallFailed;
    throw new CliError(`the provider's find endpoint ${url} cannot be reached (${e.code}): ${e.message}. Check that it is running, the URL, and the TLS settings (trustCaFile, client certificate) in your config`, EXIT.environment);
  }
}

/** The built-in reference provider, calling this simulator's C&A over mTLS (its PATs and PeIs in `stateFile`, else in memory). */
export function referenceProviderOptions(sim: Simulator, testData: TestDataPack, faults: ProviderFault[] | undefined, stateFile?: string): Parameters<typeof startReferenceProvider>[0] {
  const caUrl = sim.endpoints.https ?? sim.endpoints.http!;
  return {
    tls: { cert: sim.material.server.cert, key: sim.material.server.key, clientCa: [sim.material.ca.cert], mtls: 'need' },
    ca: {
      baseUrl: caUrl,
      issuer: sim.endpoints.issuer,
      jwksUrl: `${caUrl}/jwk_uri`,
      tls: { ca: sim.material.ca.cert, cert: sim.material.providerClient.cert, key: sim.material.providerClient.key },
    },
    pfsIssuer: sim.config.pfsIssuer,
    testData,
    faults,
    stateFile,
  };
}

/** The config a run uses for the reference provider it started: its URLs, the pack's holdernames, its JWKS. */
export function referenceProviderConfig(provider: ReferenceProvider, testData: TestDataPack, budgets: ProviderConfig['budgets'], matchingPolicy?: ProviderConfig['matchingPolicy']): ProviderConfig {
  return {
    provider: {
      name: 'cda-sim reference provider',
      findUrl: provider.findUrl,
      viewUrl: provider.viewUrl,
      holdernameGuids: testData.holdernames.map((h) => h.holdernameGuid),
      viewTokenKey: { jwksUrl: provider.jwksUrl },
    },
    budgets,
    matchingPolicy,
  };
}

/** cda-sim as the pension finder service, sending signed finds to the provider. */
export async function pfsDriverFor(sim: Simulator, config: ProviderConfig, clock: Clock, toProvider: TlsClientOptions): Promise<PfsDriver> {
  return new PfsDriver({
    clock,
    journal: sim.journal,
    pfsSigner: await createSigner(sim.material.keys.pfs),
    rogueSigner: await createSigner(sim.material.keys.rogue),
    pfsIssuer: sim.config.pfsIssuer,
    caTokenEndpoint: () => tokenEndpoint(sim.endpoints.issuer),
    findUrl: config.provider.findUrl,
    tls: toProvider,
    timeoutMs: config.budgets.requestTimeoutMs,
  });
}

/** cda-sim as a dashboard, playing the UMA view dance against the provider. */
export async function dashboardDriverFor(sim: Simulator, config: ProviderConfig, clock: Clock, toProvider: TlsClientOptions): Promise<DashboardDriver> {
  // The dashboard reaches cda-sim's own /token over the network, so the exchange is journalled.
  const caTokenUrl = sim.endpoints.http ? `${sim.endpoints.http}/token` : `${sim.endpoints.https}/token`;
  return new DashboardDriver({
    clock,
    journal: sim.journal,
    caTokenUrl: () => caTokenUrl,
    // With the plain HTTP port off, the RPT is asked for over HTTPS with mTLS, as any client must.
    caTls: { ca: sim.material.ca.cert, cert: sim.material.cdaClient.cert, key: sim.material.cdaClient.key },
    rqpAudience: () => tokenEndpoint(sim.endpoints.issuer),
    rqpSigner: await createSigner(sim.material.keys.dashboard),
    dashboardIssuer: DASHBOARD_ISSUER,
    viewTokenVerifier: viewTokenVerifier(config.provider.viewTokenKey, toProvider),
    tls: toProvider,
    timeoutMs: config.budgets.requestTimeoutMs,
    okStatus: sim.profile.view.okStatus,
  });
}
