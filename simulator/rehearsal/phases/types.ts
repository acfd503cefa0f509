// The shape every phase of the integration window has (phases/index.ts lists them in order): a name,
// what it needs before it can play, how it plays, and the run events it emits while it does.
import type { RunContext } from '../../scenarios/context.js';
import type { RunEvent } from '../../scenarios/events.js';
import type { RunSimulator as Simulator } from '../simulated-cda.js';
import type { ReferenceProvider } from '../../provider/reference-provider.js';
import type { RunSetup } from '../run-setup.js';

/** The window's phases, by id: a scenario's `phase` names the one that plays it. */
export type PhaseId = 'clear-down' | 'connection-proving' | 'stage1' | 'update-file' | 'stage2' | 'system-test' | 'oat' | 'other-scenarios' | 'soak' | 'reporting';

/** A run as its phases see it: set up, the simulator up, and (once connected) the provider and the drivers. */
export interface PhaseRun {
  readonly run: RunSetup;
  readonly sim: Simulator;
  /** Where the built-in reference provider keeps its PATs and PeIs (clear-down removes it). */
  readonly referenceStateFile: string;
  /** The built-in reference provider, when it is the provider under test (started once clear-down is done). */
  provider?: ReferenceProvider;
  /** The drivers and the journal the checks read: there once the provider is connected. */
  ctx?: RunContext;
  /** Whether the update file has been applied (by the reference provider, a command, or a person). */
  updatesApplied?: boolean;
}

/**
 * Whether a phase plays in this run. `skip`: it is not part of this run (nothing of it was chosen),
 * and the run goes on. `pause`: it is part of the run but what it needs is not there (Stage 2 needs
 * the update file applied), so the run stops here: the reason is what its cases say as NOT RUN.
 */
export type PhaseGate = { play: true } | { play: false; skip: string } | { play: false; pause: string };

export interface WindowPhase {
  readonly id: PhaseId;
  /** What the window calls it (the progress lines and the reports name its scenarios' titles). */
  readonly name: string;
  /** It plays against the provider: the provider must be connected (drivers up, its find endpoint answering) first. */
  readonly needsProvider: boolean;
  /** The run events it emits as it plays (a progress display or the console follows them). */
  readonly events: readonly RunEvent['type'][];
  /**
   * A phase an option asks for (the soak): when its gate skips it, the window records it as skipped
   * with the reason, so every report says it was NOT RUN rather than leaving it out.
   */
  readonly saysWhenSkipped?: boolean;
  /** Whether it plays now: its preconditions, checked when its turn comes. */
  gate(p: PhaseRun): PhaseGate;
  /** Play it (timed in the integration window). */
  run(p: PhaseRun): Promise<void>;
}

/** The gate of a phase that plays. */
export const PLAY: PhaseGate = { play: true };

/** The connected run's drivers: only a phase that `needsProvider` asks, and the loop connects it first. */
export function contextOf(p: PhaseRun): RunContext {
  if (!p.ctx) throw new Error('a phase that plays against the provider ran before the provider was connected');
  return p.ctx;
}
