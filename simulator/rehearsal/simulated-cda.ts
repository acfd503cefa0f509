// The simulated CDA as a run sees it: the options it is started with and what it offers once
// running. server/simulator.ts implements it; a run is handed the starter by its caller (the command
// line, a test), so nothing in this layer reaches up into the servers.
import type { OpenAPIBackend } from 'openapi-backend';
import type { Clock } from '../core/clock.js';
import type { Material } from '../crypto/material.js';
import type { Journal } from '../store/journal.js';
import type { Store } from '../store/state.js';
import type { MtlsMode } from '../http/listeners.js';
import type { SpecProfile } from '../http/spec-profile.js';
import type { CaConfig } from '../ca/config.js';
import type { CompatMode } from '../ca/compat.js';
import type { FaultRegistry } from '../faults/registry.js';
import type { SubmissionStore } from '../reporting/submissions.js';
import type { UserTokenVariant } from '../pfs/user-token.js';
import type { TestUser } from '../testdata/users.js';
import type { RunEvent } from '../scenarios/events.js';

export interface SimulatorOptions {
  stateDir: string;
  certsDir: string;
  host?: string;
  /** 0 picks a free port; null turns the listener off. */
  httpsPort?: number | null;
  httpPort?: number | null;
  adminPort?: number | null;
  mtls?: MtlsMode;
  /** The C&A issuer URL; by default the HTTPS listener's (https://localhost:<port>). */
  issuer?: string;
  hostnames?: string[];
  usersFile?: string;
  ca?: Partial<CaConfig>;
  /** fsync every state change, journal line and reporting submission (survives power loss, not just a killed process). */
  fsync?: boolean;
  /** Bytes the journal may take on disk, every segment together (default: store/journal.ts DEFAULT_JOURNAL_CAP). */
  journalCapBytes?: number;
  clock?: Clock;
  /** Answer as MaPS's C&A test harness does where it differs (simulator/ca/compat.ts). */
  compat?: CompatMode;
  /** Enforce cda-sim's own rules as errors (default); false accepts them with a warning (http/own-rules.ts). */
  strict?: boolean;
  /** Preloaded OpenAPI documents (tests load them once). */
  apis?: { ca?: OpenAPIBackend; admin?: OpenAPIBackend; reporting?: OpenAPIBackend };
  /** The spec profile that routes and validates (default: the built-in reconstructed documents). */
  profile?: SpecProfile;
}

/** The simulated CDA as a run uses it (server/simulator.ts starts it; its console is a full LiveConsoleSource). */
export interface RunSimulator {
  endpoints: { https?: string; http?: string; admin?: string; issuer: string };
  /** Headers a client of the admin API sends (the bearer token when it is off loopback). */
  adminHeaders: Record<string, string>;
  /** Off loopback: the token file, and whether it was made by this start. */
  adminToken?: { file: string; created: boolean; token: string };
  store: Store;
  journal: Journal;
  /** Reporting API submissions, with their receipt times. */
  submissions: SubmissionStore;
  material: Material;
  users: TestUser[];
  config: CaConfig;
  /** The spec profile the C&A and reporting service validate with, and the checks judge by. */
  profile: SpecProfile;
  /** The one fault registry the C&A and reporting service read (admin API, /configuration, scenarios). */
  faults: FaultRegistry;
  /** What the web console (/console on the admin port) shows; give it a run's events with `runEvent`. */
  console: { runEvent(e: RunEvent): void };
  mintUserToken(userId: string, variant?: UserTokenVariant, lifetimeSeconds?: number): Promise<{ token: string; claims: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Starts the simulated CDA: `startSimulator` from server/simulator.ts, passed in by the caller. */
export type StartSimulator = (opts: SimulatorOptions) => Promise<RunSimulator>;
