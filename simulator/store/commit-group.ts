// Group commit for every durable file of one state directory (store/state.ts's write-ahead log, the
// journal, reporting submissions): what a turn of the event loop wrote is committed once, at the end
// of that turn (one write and, with --fsync, one fdatasync per file), and every answer of that turn
// waits for it (http/durable-answers.ts). A member that cannot commit fails the turn: its answers
// are refused, never acknowledged.

/** A file with something of this turn still to commit. */
export interface CommitMember {
  /** Write (and sync) what this turn left; throw when that failed, after undoing what it can. */
  commitTurn(): void;
}

export class CommitGroup {
  private dirty = new Set<CommitMember>();
  private scheduled = false;
  private waiters: ((err?: Error) => void)[] = [];
  /** A failure already met within this turn (a write done at once that failed). */
  private turnError: Error | undefined;

  constructor(readonly fsync: boolean) {}

  /** The member has something of this turn to commit at its end. */
  schedule(member: CommitMember): void {
    this.dirty.add(member);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Fail this turn's answers: something they report could not be written. */
  fail(err: Error): void {
    this.turnError ??= err;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** True when nothing of this turn waits to be committed. */
  get idle(): boolean {
    return !this.scheduled;
  }

  /** Run `then` once this turn is committed (at once when nothing waits), with the error if it failed. */
  whenDurable(then: (err?: Error) => void): void {
    if (!this.scheduled) then();
    else this.waiters.push(then);
  }

  /** Commit every member that wrote this turn, then release the answers waiting on them. */
  readonly flush = (): void => {
    this.scheduled = false;
    let err = this.turnError;
    this.turnError = undefined;
    const members = [...this.dirty];
    this.dirty.clear();
    for (const m of members) {
      try {
        m.commitTurn();
      } catch (e) {
        err ??= e as Error;
      }
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(err);
  };
}
