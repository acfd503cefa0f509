// What the C&A can be told. Defaults follow DESIGN section 3 and the public references; values
// the references mark unknown (RPT lifetime, clock skew) are settings with a stated default.
export interface CaConfig {
  /**
   * `live`: a UUID plus one trailing digit, as the live C&A returns (harness v2.0.0).
   * `uuid`: a strict UUID, as the v1.1 spec types it.
   */
  resourceIdFormat: 'live' | 'uuid';
  /** The PFS `iss` that user tokens must carry (the value in the v1.1 spec example). */
  pfsIssuer: string;
  /** PAT lifetime: "about 18 months" per MaPS's harness; 548 days. */
  patLifetimeSeconds: number;
  /** RPT lifetime: unknown in public sources; 10 minutes. */
  rptLifetimeSeconds: number;
  /** Permission ticket lifetime: 60 s (the harness marks it as the spec value). */
  ticketLifetimeSeconds: number;
  /** Clock skew allowed on exp/nbf: unknown publicly; MaPS validates its own tokens with none. */
  clockSkewSeconds: number;
}

export const defaultCaConfig: CaConfig = {
  resourceIdFormat: 'live',
  pfsIssuer: 'http://pensionsdashboard.org/pfsissuer',
  patLifetimeSeconds: 548 * 24 * 3600,
  rptLifetimeSeconds: 600,
  ticketLifetimeSeconds: 60,
  clockSkewSeconds: 0,
};

/** Where the C&A is reachable. Known only once listeners are bound (ports may be 0). */
export interface CaUrls {
  /** The C&A issuer: `iss` of PATs/RPTs and the base of its endpoint URLs. */
  issuer: string;
  /** Every base URL the C&A listens on (https and http). */
  bases: string[];
}

export function tokenEndpoint(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/token`;
}

/** Audiences a user token or RQP may carry: the issuer or token endpoint of any listener. */
export function acceptedAudiences(urls: CaUrls): Set<string> {
  const out = new Set<string>();
  for (const base of [urls.issuer, ...urls.bases]) {
    const b = base.replace(/\/$/, '');
    out.add(b);
    out.add(`${b}/token`);
  }
  return out;
}
