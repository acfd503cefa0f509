// Tokens the C&A accepts and issues. Every check returns the rule broken in plain words, so the
// provider's engineer reads "assertion expired at 12:00:05Z (exp)" rather than "invalid_grant".
import { randomUUID } from 'node:crypto';
import { JoseError, type JwsParts } from '../crypto/jose.js';
import { epochSeconds, type Clock } from '../core/clock.js';
import type { CaKeys } from './keys.js';
import { acceptedAudiences, type CaConfig, type CaUrls } from './config.js';
import type { PatRecord, RptRecord } from '../store/state.js';

export class TokenRejected extends Error {
  /** Why, where a caller answers differently by it (the harness-compatible /token): not a JWS, or a bad signature. */
  constructor(message: string, readonly reason?: 'malformed' | 'bad-signature') {
    super(message);
  }
}

export interface TokenContext {
  clock: Clock;
  keys: CaKeys;
  config: CaConfig;
  urls: () => CaUrls;
}

const iso = (s: number) => new Date(s * 1000).toISOString();

async function verifySignedBy(ctx: TokenContext, token: string, what: string, allowedKids: Set<string>, role: string): Promise<JwsParts> {
  let parts: JwsParts;
  try {
    parts = await ctx.keys.verifier.verify(token);
  } catch (err) {
    if (err instanceof JoseError) {
      const why =
        err.code === 'MALFORMED' ? 'is not a compact JWS (header.payload.signature)' :
        err.code === 'UNKNOWN_KEY' ? 'is signed with a key (kid) that is not in the C&A JWKS' :
        'has a signature that does not verify against the C&A JWKS';
      throw new TokenRejected(`${what} ${why}`, err.code === 'MALFORMED' ? 'malformed' : err.code === 'UNKNOWN_KEY' ? undefined : 'bad-signature');
    }
    throw err;
  }
  const kid = String(parts.header.kid ?? '');
  if (!allowedKids.has(kid)) throw new TokenRejected(`${what} is signed with key "${kid}", which is not a ${role} key`);
  if (parts.header.alg !== 'RS256') throw new TokenRejected(`${what} must be signed with RS256, not ${String(parts.header.alg)}`);
  return parts;
}

function checkTimes(ctx: TokenContext, p: Record<string, unknown>, what: string): void {
  const now = epochSeconds(ctx.clock);
  const skew = ctx.config.clockSkewSeconds;
  if (typeof p.exp !== 'number') throw new TokenRejected(`${what} has no numeric exp claim`);
  if (p.exp + skew <= now) throw new TokenRejected(`${what} expired at ${iso(p.exp)} (exp); the time is ${iso(now)}`);
  if (typeof p.nbf === 'number' && p.nbf - skew > now) throw new TokenRejected(`${what} is not valid before ${iso(p.nbf)} (nbf)`);
  if (typeof p.iat === 'number' && p.iat - skew > now + 60) throw new TokenRejected(`${what} was issued in the future (iat ${iso(p.iat)})`);
}

function checkAudience(ctx: TokenContext, p: Record<string, unknown>, what: string): void {
  const accepted = acceptedAudiences(ctx.urls());
  const auds = Array.isArray(p.aud) ? p.aud.map(String) : p.aud === undefined ? [] : [String(p.aud)];
  if (!auds.some((a) => accepted.has(a.replace(/\/$/, '')))) {
    throw new TokenRejected(`${what} has audience ${auds.length ? auds.map((a) => `"${a}"`).join(', ') : '(none)'}; the C&A token endpoint is ${[...accepted].filter((a) => a.endsWith('/token'))[0]}`);
  }
}

/** Validate the user token a provider presents as the jwt-bearer `assertion`. Returns the user's sub. */
export async function validateUserToken(ctx: TokenContext, token: string): Promise<{ sub: string; claims: Record<string, unknown> }> {
  const { payload } = await verifySignedBy(ctx, token, 'the assertion (user token)', ctx.keys.kids.pfs, 'pension finder service (PFS)');
  checkTimes(ctx, payload, 'the assertion (user token)');
  checkAudience(ctx, payload, 'the assertion (user token)');
  if (payload.iss !== ctx.config.pfsIssuer) throw new TokenRejected(`the assertion (user token) has iss "${String(payload.iss)}"; user tokens come from "${ctx.config.pfsIssuer}"`);
  if (typeof payload.sub !== 'string' || !payload.sub) throw new TokenRejected('the assertion (user token) has no sub claim');
  return { sub: payload.sub, claims: payload };
}

export async function issuePat(ctx: TokenContext, sub: string): Promise<PatRecord> {
  const iat = epochSeconds(ctx.clock);
  const jti = randomUUID();
  const exp = iat + ctx.config.patLifetimeSeconds;
  const issuer = ctx.urls().issuer;
  const token = await ctx.keys.caSigner.sign({ iss: issuer, aud: issuer, sub, iat, exp, jti, scope: 'uma_protection', token_type: 'pension_dashboard_pat' });
  return { jti, sub, token, issued_at: iat, exp };
}

export interface TicketClaims {
  jti: string;
  sub: string;
  resource_id: string;
  resource_scopes: string[];
  iat: number;
  exp: number;
}

/** A permission ticket is a nested JWT: signed by the C&A (so it cannot be forged), then encrypted (so it is opaque). */
export async function issueTicket(ctx: TokenContext, owner: string, resourceId: string, scopes: string[]): Promise<string> {
  const iat = epochSeconds(ctx.clock);
  const claims: TicketClaims = { jti: randomUUID(), sub: owner, resource_id: resourceId, resource_scopes: scopes, iat, exp: iat + ctx.config.ticketLifetimeSeconds };
  const jws = await ctx.keys.caSigner.sign({ ...claims, iss: ctx.urls().issuer, token_type: 'pension_dashboard_pmt' });
  return ctx.keys.ticketEncrypter.encryptJwt(jws);
}

export async function readTicket(ctx: TokenContext, ticket: string): Promise<TicketClaims> {
  let jws: string;
  try {
    jws = await ctx.keys.ticketDecrypter.decryptJwt(ticket);
  } catch {
    throw new TokenRejected('the ticket is not a permission ticket issued by this C&A (it does not decrypt)');
  }
  const { payload } = await verifySignedBy(ctx, jws, 'the ticket', ctx.keys.kids.ca, 'C&A');
  if (payload.token_type !== 'pension_dashboard_pmt') throw new TokenRejected('the ticket is not a permission ticket (token_type)');
  checkTimes(ctx, payload, 'the ticket');
  return payload as unknown as TicketClaims;
}

/** Validate the RQP a dashboard presents as claim_token. Returns its issuer (the dashboard) and subject. */
export async function validateRqp(ctx: TokenContext, token: string): Promise<{ iss: string; sub: string }> {
  const { payload } = await verifySignedBy(ctx, token, 'the claim_token (RQP)', ctx.keys.kids.dashboard, 'dashboard');
  checkTimes(ctx, payload, 'the claim_token (RQP)');
  checkAudience(ctx, payload, 'the claim_token (RQP)');
  if (typeof payload.iss !== 'string' || !payload.iss) throw new TokenRejected('the claim_token (RQP) has no iss claim');
  return { iss: payload.iss, sub: String(payload.sub ?? '') };
}

export async function issueRpt(ctx: TokenContext, rqp: { iss: string; sub: string }, ticket: TicketClaims): Promise<{ token: string; record: RptRecord }> {
  const iat = epochSeconds(ctx.clock);
  const exp = iat + ctx.config.rptLifetimeSeconds;
  const jti = randomUUID();
  const permissions = [{ resource_id: ticket.resource_id, resource_scopes: ticket.resource_scopes, exp }];
  const token = await ctx.keys.caSigner.sign({
    iss: ctx.urls().issuer,
    azp: rqp.iss,
    sub: rqp.sub,
    iat,
    exp,
    jti,
    token_type: 'pension_dashboard_rpt',
    permissions,
  });
  return { token, record: { jti, iss: rqp.iss, sub: rqp.sub, exp, permissions } };
}

/** The jti of an RPT this C&A signed, or null when the token is not one of ours. */
export async function rptJti(ctx: TokenContext, token: string): Promise<string | null> {
  try {
    const { payload } = await verifySignedBy(ctx, token, 'the RPT', ctx.keys.kids.ca, 'C&A');
    return payload.token_type === 'pension_dashboard_rpt' && typeof payload.jti === 'string' ? payload.jti : null;
  } catch (err) {
    if (err instanceof TokenRejected) return null;
    throw err;
  }
}
