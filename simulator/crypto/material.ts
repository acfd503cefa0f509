// Generated crypto material: a private CA, TLS certificates for mTLS in both directions,
// negative-test certificates, and the JOSE keys cda-sim signs and encrypts with.
// Everything lives in one directory (default certs/), is created on first start and
// is never committed.
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Clock } from '../core/clock.js';
import { generateKeyPair, type Jwk, type KeyPair } from './jose.js';

export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
// Certificates start a little in the past so a peer whose clock runs slightly slow still accepts them.
const BACKDATE_MS = 5 * 60_000;

export interface PemPair {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface MaterialKeys {
  pfs: KeyPair;
  ca: KeyPair;
  caEncryption: KeyPair;
  dashboard: KeyPair;
  rogue: KeyPair;
}

export interface Material {
  dir: string;
  ca: PemPair;
  server: PemPair;
  providerClient: PemPair;
  cdaClient: PemPair;
  expiredClient: PemPair;
  foreignCa: PemPair;
  foreignClient: PemPair;
  /** Issued by the cda-sim CA for server authentication only: no clientAuth purpose (negative tests). */
  noClientAuthClient: PemPair;
  /** Issued by the cda-sim CA with an RSA-1024 key, below the 2048-bit floor (negative tests). */
  weakKeyClient: PemPair;
  keys: MaterialKeys;
  retiredKeys: Jwk[];
  /** The published JWKS: public pfs, ca and dashboard keys + retiredKeys; never the ticket encryption key, never rogue, never private members. */
  jwks(): { keys: Jwk[] };
}

export interface CertInfo {
  name: string;
  path: string;
  subject: string;
  issuer: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  status: 'ok' | 'expiring' | 'expired' | 'expired by design' | 'no clientAuth by design' | 'RSA-1024 by design';
}

// ---- what to generate ----------------------------------------------------------

type CertField = 'ca' | 'server' | 'providerClient' | 'cdaClient' | 'expiredClient' | 'foreignCa' | 'foreignClient' | 'noClientAuthClient' | 'weakKeyClient';

interface CertSpec {
  field: CertField;
  /** File stem: <name>.crt and <name>.key. */
  name: string;
  cn: string;
  /** 'client-without-client-auth': a leaf whose only purpose is serverAuth. */
  kind: 'ca' | 'server' | 'client' | 'client-without-client-auth';
  issuer?: 'ca' | 'foreignCa';
  /** RSA modulus length; 2048 unless a negative test needs a weak key. */
  keyBits?: number;
  validity(now: number): { notBefore: number; notAfter: number };
}

const years = (n: number) => (now: number) => ({ notBefore: now - BACKDATE_MS, notAfter: now + n * YEAR_MS });

// In the order `certs show` lists them.
const ALL_CERTS: CertSpec[] = [
  { field: 'ca', name: 'ca', cn: 'cda-sim Root CA', kind: 'ca', validity: years(5) },
  { field: 'server', name: 'server', cn: 'localhost', kind: 'server', issuer: 'ca', validity: years(1) },
  {
    field: 'providerClient',
    name: 'provider-client',
    cn: 'cda-sim provider under test',
    kind: 'client',
    issuer: 'ca',
    validity: years(1),
  },
  { field: 'cdaClient', name: 'cda-client', cn: 'cda-sim CDA client', kind: 'client', issuer: 'ca', validity: years(1) },
  {
    field: 'expiredClient',
    name: 'expired-client',
    cn: 'cda-sim expired client',
    kind: 'client',
    issuer: 'ca',
    // Expired on purpose, for negative tests.
    validity: (now) => ({ notBefore: now - 30 * DAY_MS, notAfter: now - DAY_MS }),
  },
  { field: 'foreignCa', name: 'foreign-ca', cn: 'foreign CA (not trusted by cda-sim)', kind: 'ca', validity: years(5) },
  {
    field: 'foreignClient',
    name: 'foreign-client',
    cn: 'foreign client (not trusted by cda-sim)',
    kind: 'client',
    issuer: 'foreignCa',
    validity: years(1),
  },
  // Unfit on purpose, for negative tests: they chain to the cda-sim CA, so only the purpose and key checks refuse them.
  {
    field: 'noClientAuthClient',
    name: 'no-client-auth-client',
    cn: 'cda-sim client without clientAuth',
    kind: 'client-without-client-auth',
    issuer: 'ca',
    validity: years(1),
  },
  { field: 'weakKeyClient', name: 'weak-key-client', cn: 'cda-sim client with an RSA-1024 key', kind: 'client', issuer: 'ca', keyBits: 1024, validity: years(1) },
];

/** Certificates that are unfit by design: `certs show` says so rather than warning. */
const UNFIT_BY_DESIGN: Partial<Record<CertField, string>> = {
  expiredClient: 'expired by design',
  noClientAuthClient: 'no clientAuth by design',
  weakKeyClient: 'RSA-1024 by design',
};

// CAs are generated before the certificates they sign.
const ROOTS = ALL_CERTS.filter((s) => !s.issuer);
const LEAVES = ALL_CERTS.filter((s) => s.issuer);

type KeyRole = keyof MaterialKeys;

const KEY_ROLES: Record<KeyRole, { kid: string; use: 'sig' | 'enc'; published: boolean }> = {
  pfs: { kid: 'pfs-signing-key', use: 'sig', published: true },
  ca: { kid: 'ca-signing-key', use: 'sig', published: true },
  // Tickets are encrypted by the C&A to itself: nobody else needs this key, so it is not published.
  caEncryption: { kid: 'ca-encryption-key', use: 'enc', published: false },
  dashboard: { kid: 'dashboard-signing-key', use: 'sig', published: true },
  // Never published: signs "wrongly signed" tokens for negative tests.
  rogue: { kid: 'rogue-signing-key', use: 'sig', published: false },
};

const KEYS_FILE = 'keys.json';

interface KeysFile {
  keys: Partial<Record<KeyRole, KeyPair>>;
  retired: Jwk[];
}

// ---- public API ---------------------------------------------------------------

/** Load what exists in `dir`; generate whatever is missing. `created` names what was generated now. */
export async function ensureMaterial(
  dir: string,
  opts: { clock: Clock; hostnames?: string[] },
): Promise<{ material: Material; created: string[] }> {
  return build(dir, { clock: opts.clock, hostnames: opts.hostnames ?? [], renewTls: false, rotateKeys: false });
}

/** 'tls' regenerates the CA and every certificate; 'keys' the JOSE keys (old public keys stay published); 'all' both. */
export async function rotateMaterial(
  dir: string,
  opts: { clock: Clock; only?: 'tls' | 'keys' | 'all'; hostnames?: string[] },
): Promise<Material> {
  const only = opts.only ?? 'all';
  const { material } = await build(dir, {
    clock: opts.clock,
    hostnames: opts.hostnames ?? [],
    renewTls: only !== 'keys',
    rotateKeys: only !== 'tls',
  });
  return material;
}

export function describeMaterial(m: Material, clock: Clock): CertInfo[] {
  const now = clock.now();
  return ALL_CERTS.map((spec) => {
    const pair = m[spec.field];
    const x509 = new X509Certificate(pair.cert);
    const notBefore = new Date(x509.validFrom);
    const notAfter = new Date(x509.validTo);
    // Whole days, towards zero: 364.9 days left is 364, expired 1.0 days ago is -1.
    const daysLeft = Math.trunc((notAfter.getTime() - now) / DAY_MS);
    let status: CertInfo['status'] = 'ok';
    const unfit = UNFIT_BY_DESIGN[spec.field] as CertInfo['status'] | undefined;
    if (unfit) status = unfit;
    else if (notAfter.getTime() <= now) status = 'expired';
    else if (daysLeft <= EXPIRY_WARNING_DAYS) status = 'expiring';
    return {
      name: spec.name,
      path: pair.certPath,
      subject: oneLine(x509.subject),
      issuer: oneLine(x509.issuer),
      fingerprint: x509.fingerprint256,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      daysLeft,
      status,
    };
  });
}

export function expiryWarnings(m: Material, clock: Clock): string[] {
  const warnings: string[] = [];
  for (const info of describeMaterial(m, clock)) {
    const day = info.notAfter.slice(0, 10);
    if (info.status === 'expired') {
      warnings.push(
        `Certificate ${info.path} (${info.name}) expired on ${day}. Run \`cda-sim certs rotate --only tls\` to regenerate it.`,
      );
    } else if (info.status === 'expiring') {
      const when = info.daysLeft === 1 ? '1 day' : `${info.daysLeft} days`;
      warnings.push(
        `Certificate ${info.path} (${info.name}) expires in ${when}, on ${day}. Run \`cda-sim certs rotate --only tls\` to regenerate it.`,
      );
    }
  }
  return warnings;
}

// ---- building ------------------------------------------------------------------

interface BuildOptions {
  clock: Clock;
  hostnames: string[];
  /** Regenerate every certificate even if a valid one exists. */
  renewTls: boolean;
  /** Replace the JOSE keys, retiring the current published ones. */
  rotateKeys: boolean;
}

async function build(dir: string, opts: BuildOptions): Promise<{ material: Material; created: string[] }> {
  await mkdir(dir, { recursive: true });
  const now = opts.clock.now();
  const created: string[] = [];
  const pairs: Partial<Record<CertField, PemPair>> = {};

  // Server SAN: localhost, requested names, and any names the current server cert already
  // carries (so adding a hostname, or rotating, never silently drops one).
  const existingServer = await readPair(dir, 'server');
  const sanNames = unique([
    'localhost',
    ...(existingServer ? sanEntries(existingServer.cert) : []),
    ...opts.hostnames.map(canonicalName),
  ]).filter((n) => !ALWAYS_IPS.includes(n));

  const certs = (async () => {
    // Roots first, then the leaves they sign; each stage's key generation runs in parallel.
    for (const stage of [ROOTS, LEAVES]) {
      await Promise.all(
        stage.map(async (spec) => {
          const issuer = spec.issuer ? pairs[spec.issuer] : undefined;
          const existing = opts.renewTls ? null : await readPair(dir, spec.name);
          if (existing && isUsable(existing, spec, issuer, sanNames)) {
            pairs[spec.field] = existing;
            return;
          }
          pairs[spec.field] = await issue(dir, spec, now, issuer, sanNames);
          created.push(spec.name);
        }),
      );
    }
  })();

  const keys = loadOrCreateKeys(dir, opts.rotateKeys, created);
  const [, keyFile] = await Promise.all([certs, keys]);

  // Stable order for callers that print it.
  const order = new Map([...ALL_CERTS.map((s) => s.name), ...Object.values(KEY_ROLES).map((r) => r.kid)].map((n, i) => [n, i]));
  created.sort((a, b) => (order.get(a) ?? 99) - (order.get(b) ?? 99));

  return { material: toMaterial(dir, pairs as Record<CertField, PemPair>, keyFile), created };
}

function toMaterial(dir: string, pairs: Record<CertField, PemPair>, file: { keys: MaterialKeys; retired: Jwk[] }): Material {
  return {
    dir,
    ...pairs,
    keys: file.keys,
    retiredKeys: file.retired,
    jwks() {
      const current = (Object.keys(KEY_ROLES) as KeyRole[])
        .filter((role) => KEY_ROLES[role].published)
        .map((role) => ({ ...file.keys[role].public }));
      return { keys: [...current, ...file.retired.map((k) => ({ ...k }))] };
    },
  };
}

/** An existing pair is kept only if it parses, its key matches, it chains to its issuer and (server) covers every SAN name. */
function isUsable(pair: PemPair, spec: CertSpec, issuer: PemPair | undefined, sanNames: string[]): boolean {
  try {
    const cert = new X509Certificate(pair.cert);
    if (!keyMatches(cert, pair.key)) return false;
    // A leaf whose CA was regenerated no longer chains to it, so it is regenerated too.
    if (issuer) {
      const ca = new X509Certificate(issuer.cert);
      if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    }
    if (spec.kind === 'server') {
      const have = new Set(sanEntries(pair.cert));
      return [...sanNames, ...ALWAYS_IPS].every((n) => have.has(n));
    }
    return true;
  } catch {
    return false;
  }
}

function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  const fromCert = cert.publicKey.export({ type: 'spki', format: 'der' });
  return fromKey.equals(fromCert);
}

async function issue(dir: string, spec: CertSpec, now: number, issuer: PemPair | undefined, sanNames: string[]): Promise<PemPair> {
  const { notBefore, notAfter } = spec.validity(now);
  const result = await generate(
    [
      { name: 'commonName', value: spec.cn },
      { name: 'organizationName', value: 'cda-sim' },
    ],
    {
      keySize: spec.keyBits ?? 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(notBefore),
      notAfterDate: new Date(notAfter),
      extensions: extensionsFor(spec, sanNames),
      ...(issuer ? { ca: { key: issuer.key, cert: issuer.cert } } : {}),
    },
  );
  const pair = pemPaths(dir, spec.name, result.cert, result.private);
  // Key first: if interrupted, the next start sees a cert/key mismatch and regenerates.
  await writeAtomic(pair.keyPath, pair.key, 0o600);
  await writeAtomic(pair.certPath, pair.cert, 0o644);
  return pair;
}

function extensionsFor(spec: CertSpec, sanNames: string[]) {
  if (spec.kind === 'ca') {
    return [
      { name: 'basicConstraints' as const, cA: true, critical: true },
      { name: 'keyUsage' as const, keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ];
  }
  const base = [
    { name: 'basicConstraints' as const, cA: false, critical: true },
    { name: 'keyUsage' as const, digitalSignature: true, keyEncipherment: true, critical: true },
  ];
  if (spec.kind === 'client') return [...base, { name: 'extKeyUsage' as const, clientAuth: true }];
  if (spec.kind === 'client-without-client-auth') return [...base, { name: 'extKeyUsage' as const, serverAuth: true }];
  const altNames = [...sanNames, ...ALWAYS_IPS].map((n) =>
    isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n },
  );
  return [...base, { name: 'extKeyUsage' as const, serverAuth: true }, { name: 'subjectAltName' as const, altNames }];
}

// ---- JOSE keys -----------------------------------------------------------------

async function loadOrCreateKeys(
  dir: string,
  rotate: boolean,
  created: string[],
): Promise<{ keys: MaterialKeys; retired: Jwk[] }> {
  const path = join(dir, KEYS_FILE);
  const stored = await readKeysFile(path);
  const roles = Object.keys(KEY_ROLES) as KeyRole[];
  const generated: Partial<MaterialKeys> = {};
  let retired = stored?.retired ?? [];
  let changed = !stored;

  if (rotate) {
    // Keep exactly one previous generation of published signing keys, so tokens
    // signed just before the rotation still verify. Retired encryption keys are not
    // published: nothing should encrypt to them any more.
    retired = roles
      .filter((role) => KEY_ROLES[role].published && KEY_ROLES[role].use === 'sig')
      .map((role) => stored?.keys[role]?.public)
      .filter((k): k is Jwk => k !== undefined);
  }

  await Promise.all(
    roles.map(async (role) => {
      const { kid: baseKid, use } = KEY_ROLES[role];
      const existing = stored?.keys[role];
      if (!rotate && existing && existing.kid.startsWith(baseKid) && existing.use === use && existing.private && existing.public) {
        generated[role] = existing;
        return;
      }
      // A rotated key gets a kid of its own: the retired key stays in the JWKS under its old kid,
      // and verifiers that pick the first key with a matching kid still pick the right one.
      const kid = rotate && existing ? `${baseKid}-${randomBytes(4).toString('hex')}` : baseKid;
      generated[role] = await generateKeyPair(kid, use);
      created.push(kid);
      changed = true;
    }),
  );

  // Rebuilt in role order so keys.json and listings do not depend on which key finished first.
  const keys = Object.fromEntries(roles.map((role) => [role, generated[role]])) as unknown as MaterialKeys;
  const file = { keys, retired };
  if (changed) await writeAtomic(path, JSON.stringify(file, null, 2) + '\n', 0o600);
  return file;
}

async function readKeysFile(path: string): Promise<KeysFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Refuse rather than silently replacing keys that tokens in flight depend on.
    throw new Error(`${path} is not valid JSON; delete it to regenerate the keys, or run \`cda-sim certs rotate --only keys\``);
  }
  const obj = parsed as Partial<KeysFile>;
  return {
    keys: obj && typeof obj.keys === 'object' && obj.keys !== null ? obj.keys : {},
    retired: Array.isArray(obj?.retired) ? obj.retired : [],
  };
}

// ---- files ---------------------------------------------------------------------

function pemPaths(dir: string, name: string, cert: string, key: string): PemPair {
  return { cert, key, certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) };
}

async function readPair(dir: string, name: string): Promise<PemPair | null> {
  const pair = pemPaths(dir, name, '', '');
  try {
    pair.cert = await readFile(pair.certPath, 'utf8');
    pair.key = await readFile(pair.keyPath, 'utf8');
    return pair;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Write via a temp file and rename, so a reader never sees half a file. */
async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, data, { mode });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

// ---- small helpers ---------------------------------------------------------------

/** The server always answers on loopback, whatever hostnames are added. */
const ALWAYS_IPS = ['127.0.0.1', '::1'];

/** SAN entries of a certificate, as canonical names (DNS lower-cased, IPs in compressed form). */
function sanEntries(certPem: string): string[] {
  try {
    const san = new X509Certificate(certPem).subjectAltName ?? '';
    return san
      .split(',')
      .map((s) => s.trim())
      .flatMap((s) => {
        if (s.startsWith('DNS:')) return [canonicalName(s.slice(4))];
        if (s.startsWith('IP Address:')) return [canonicalName(s.slice(11))];
        return [];
      });
  } catch {
    return [];
  }
}

/** Hostnames lower-cased; IPv6 addresses compressed, so "0:0:0:0:0:0:0:1" and "::1" compare equal. */
function canonicalName(name: string): string {
  const n = name.trim().toLowerCase();
  return isIP(n) === 6 ? new URL(`http://[${n}]/`).hostname.slice(1, -1) : n;
}

function unique(names: string[]): string[] {
  return [...new Set(names.filter((n) => n !== ''))];
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}
