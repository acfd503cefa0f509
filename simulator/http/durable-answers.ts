// "A 2xx means the change is on disk": the store commits a turn's mutations in one write at the
// end of the turn (group commit, store/state.ts), so every answer of an app that changes state is
// held back until what it reports is durable. Hooked on the app's response prototype, so it covers
// every way an answer is sent (res.json, res.end, problem answers) without each handler knowing.
import type { Express, Response } from 'express';
import type { Store } from '../store/state.js';

export function answerWhenDurable(app: Express, store: Pick<Store, 'whenDurable'>): void {
  const end = app.response.end;
  app.response.end = function endWhenDurable(this: Response, ...args: unknown[]) {
    store.whenDurable((err) => {
      // A failed write is never acknowledged: the client sees the connection drop, not a 2xx.
      if (err) this.destroy(err);
      else (end as (...a: unknown[]) => void).apply(this, args);
    });
    return this;
  } as Response['end'];
}
