// The one source of time. Handlers never call Date.now(): tests drive a ManualClock,
// so expiry, windows and UTC-day boundaries are tested without waiting.
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private t: number = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/** Epoch seconds, as JWT `iat`/`exp` claims use. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}
