// "A 2xx means the change is on disk": the store commits a turn's mutations in one write at the
// end of the turn (group commit, store/commit-group.ts; the journal and reporting submissions join
// it), so every answer of an app that changes state is held back until what it reports is durable.
// Hooked on the app's response prototype, so it covers every way an answer is sent (res.json,
// res.end, problem answers) without each handler knowing.
//
// A write the disk refused (full, read-only) is never acknowledged: the answer becomes a 503
// problem saying so, with Retry-After; the store has already undone the change, so a retry once
// the disk takes writes again is served normally.
import type { ApiResponse as Response } from './lean-app.js';
import type { Store } from '../store/state.js';
import { diskCause } from '../store/disk.js';
import { problemBody } from './problems.js';

/** Seconds a client is told to wait before retrying a write the disk refused. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

export function answerWhenDurable(app: { response: Response }, store: Pick<Store, 'whenDurable'>): void {
  const end = app.response.end as (this: Response, ...a: unknown[]) => Response;
  app.response.end = function endWhenDurable(this: Response, ...args: unknown[]) {
    store.whenDurable((err) => {
      if (!err) end.apply(this, args);
      else if (this.headersSent) this.destroy(err);
      else end.call(this, storageUnavailable(this, err));
    });
    return this;
  } as Response['end'];
}

/** Turn the answer being sent into the 503 (headers, status, body: the journal sees the problem). */
function storageUnavailable(res: Response, err: Error): string {
  const body = problemBody(
    'storage-unavailable',
    [{ code: 'STORAGE_UNAVAILABLE', detail: `cda-sim could not write this change to disk (${diskCause(err)}); nothing was changed. Retry once the disk takes writes again.` }],
    undefined,
    res.req.get('x-request-id') ?? undefined,
  );
  const text = JSON.stringify(body);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = 503;
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('Retry-After', String(STORAGE_RETRY_AFTER_SECONDS));
  res.setHeader('Cache-Control', 'no-store');
  res.locals.journalBody = body;
  return text;
}
