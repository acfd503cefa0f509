// Who may use the admin API and the console. They control the whole CDA (reset, faults, tokens,
// the journal with its PATs), so:
//  - the Host header must name this listener (a page on another name that resolves here, the
//    DNS-rebinding trick, is refused);
//  - a state-changing call from a browser must come from the console's own origin (a cross-site
//    form POST is refused: Sec-Fetch-Site and Origin; no CORS is ever granted);
//  - off loopback, every call needs the bearer token generated into the state directory.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendProblem, type ProblemName } from '../http/problems.js';

export interface AdminAccess {
  /** Host names (no port) the listener answers to. */
  hosts: Set<string>;
  /** Required as `Authorization: Bearer …` (or the console's cookie) when set. */
  token?: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const TOKEN_COOKIE = 'cda_sim_admin';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The names a listener bound to `host` is reached by: loopback names, the bound address, and on a wildcard this machine's names and addresses. */
export function listenerHosts(host: string, extraNames: string[] = []): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, host, ...extraNames].map((n) => n.toLowerCase()));
  if (host === '0.0.0.0' || host === '::') {
    names.add(os.hostname().toLowerCase());
    for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

const tokenFile = (stateDir: string) => path.join(stateDir, 'admin-token');

/** The admin token a running simulator on this state directory wants, if it wrote one. */
export function readAdminToken(stateDir: string): string | undefined {
  const file = tokenFile(stateDir);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

/** The admin token in `<stateDir>/admin-token` (0600), made on first use. `created` says whether it was made now. */
export function adminToken(stateDir: string): { token: string; file: string; created: boolean } {
  const file = tokenFile(stateDir);
  const existing = readAdminToken(stateDir);
  if (existing) return { token: existing, file, created: false };
  const token = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, file, created: true };
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function crossSite(req: Request): string | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is ${site}`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    originHost = undefined;
  }
  return originHost === req.headers.host?.toLowerCase() ? undefined : `Origin ${origin.slice(0, 100)} is not this console`;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function presentedToken(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  return cookie?.slice(TOKEN_COOKIE.length + 1);
}

const refuse = (res: Response, problem: ProblemName, code: string, field: string, detail: string) => sendProblem(res, problem, [{ code, field, detail }]);

/** The guard, first in the admin app. */
export function adminAccessGuard(access: AdminAccess): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const host = hostnameOf(req.headers.host);
    if (!host || !access.hosts.has(host)) {
      return refuse(res, 'forbidden', 'HOST_NOT_ALLOWED', 'Host', `${JSON.stringify((req.headers.host ?? '').slice(0, 100))} is not a name of this admin listener; use ${[...access.hosts].slice(0, 3).join(', ')}`);
    }
    const why = crossSite(req);
    if (why) return refuse(res, 'forbidden', 'CROSS_SITE_REQUEST', 'Origin', `a state-changing call must come from the console's own origin (${why})`);
    if (access.token) {
      // The console page opened as /console/?token=…: keep the token in a same-site cookie for its own calls.
      const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
      if (fromQuery && sameToken(fromQuery, access.token)) {
        res.cookie(TOKEN_COOKIE, fromQuery, { httpOnly: true, sameSite: 'strict', path: '/' });
        return res.redirect(303, req.path);
      }
      if (!sameToken(presentedToken(req), access.token)) {
        res.set('WWW-Authenticate', 'Bearer realm="cda-sim admin"');
        return refuse(res, 'token-required', 'ADMIN_TOKEN_REQUIRED', 'Authorization', 'this admin listener is not on loopback: send Authorization: Bearer <the token in the state directory’s admin-token file>');
      }
    }
    next();
  };
}
