// What the provider must remember between a find and the views that follow it:
//   - each user's PAT (pdp-protocol §2.1: the PAT belongs to one user, and /perm and /introspect
//     for a PeI must use the PAT of the user who registered it; pitfall P7);
//   - each registered PeI: its opaque resource_id (pitfall P4), its owner and its match status
//     (a possible match only ever shows limited data, pdp-protocol §7.4).
// Held in memory, and written to a JSON file when one is given, so a restart keeps them.
//
// A real provider would keep this in its database and protect the PATs like passwords (they are
// long-lived: about 18 months, pdp-protocol §6). Here the file is written owner-read-only, and
// atomically (temporary file, then rename), so a crash never leaves half a file.
import fs from 'node:fs';
import path from 'node:path';
import type { MatchStatus } from './matching.js';

export interface StoredPat {
  /** The user token's sub: whose PAT this is. */
  sub: string;
  token: string;
  /** The PAT's exp (epoch seconds), read from the JWT when it has one. */
  exp?: number;
  obtainedAt: string;
}

export interface StoredPei {
  /** urn:pei:<holdernameGuid>:<assetGuid> */
  name: string;
  holdernameGuid: string;
  assetGuid: string;
  recordId: string;
  /** Opaque: the C&A's id is not a strict UUID (pitfall P4). */
  resourceId: string;
  /** sub of the user whose PAT registered it. */
  owner: string;
  matchStatus: MatchStatus;
  description: string;
  inboundRequestId?: string;
  registeredAt: string;
}

interface StateFile {
  version: 1;
  pats: Record<string, StoredPat>;
  /** Keyed by asset GUID, lower case: the view request names the asset. */
  peis: Record<string, StoredPei>;
}

const empty = (): StateFile => ({ version: 1, pats: {}, peis: {} });

export class ProviderStore {
  private data: StateFile;

  private constructor(private readonly file: string | undefined) {
    this.data = file && fs.existsSync(file) ? ProviderStore.read(file) : empty();
  }

  /** In memory only when `file` is undefined. */
  static open(file?: string): ProviderStore {
    return new ProviderStore(file);
  }

  private static read(file: string): StateFile {
    let parsed: Partial<StateFile>;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`the reference provider's state file ${file} cannot be read: ${(err as Error).message}; move it away to start afresh`);
    }
    return { version: 1, pats: parsed.pats ?? {}, peis: parsed.peis ?? {} };
  }

  private save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  pat(sub: string): StoredPat | undefined {
    return this.data.pats[sub];
  }

  putPat(pat: StoredPat): void {
    this.data.pats[pat.sub] = pat;
    this.save();
  }

  /** Forget a PAT the C&A no longer accepts, unless it has been replaced meanwhile. */
  forgetPat(sub: string, token: string): void {
    if (this.data.pats[sub]?.token !== token) return;
    delete this.data.pats[sub];
    this.save();
  }

  pei(assetGuid: string): StoredPei | undefined {
    return this.data.peis[assetGuid.toLowerCase()];
  }

  putPei(pei: StoredPei): void {
    this.data.peis[pei.assetGuid.toLowerCase()] = pei;
    this.save();
  }

  peis(): StoredPei[] {
    return Object.values(this.data.peis);
  }

  /** Clear-down before a rehearsal: every PAT and PeI forgotten, as the C&A's own reset forgets them. */
  clear(): void {
    this.data = empty();
    this.save();
  }

  /** The C&A deleted the PeI: it is no longer ours to serve. */
  forgetPei(assetGuid: string): void {
    delete this.data.peis[assetGuid.toLowerCase()];
    this.save();
  }
}
