// `cda-sim journal`: read the journal of exchanges, filtered.
import path from 'node:path';
import { defineCommand, withDirs } from '../command.js';
import { EXIT } from '../../core/exit-codes.js';
import { DEFAULT_JOURNAL_CAP, journalCapFromMiB, MIN_JOURNAL_CAP, readJournal, type JournalEntry } from '../../store/journal.js';
import { CliError } from '../../core/exit-codes.js';

const MiB = 1024 * 1024;

/** `--journal-cap-mib`, shared by `start` and `rehearse`. */
export const journalCapOption = {
  type: 'number',
  describe: `Disk space the journal may take, all its segments together, in MiB (default ${DEFAULT_JOURNAL_CAP / MiB}; at least ${MIN_JOURNAL_CAP / MiB}): the oldest exchanges are rotated out beyond it`,
} as const;

/** The cap in bytes, or a usage error naming the option. */
export function journalCapBytes(mib: number | undefined): number | undefined {
  if (mib !== undefined && !(mib >= MIN_JOURNAL_CAP / MiB)) throw new CliError(`--journal-cap-mib: must be at least ${MIN_JOURNAL_CAP / MiB} (MiB), not ${mib}`, EXIT.usage);
  return journalCapFromMiB(mib);
}

export function journalLine(e: JournalEntry): string {
  const arrow = e.direction === 'in' ? '→' : '←';
  return [e.time, `${arrow} ${e.role}`.padEnd(13), e.method.padEnd(6), e.url.padEnd(40), String(e.status), `${e.durationMs.toFixed(1)}ms`.padStart(9), e.requestId ?? '-'].join('  ') + ownRuleSuffix(e);
}

/** An exchange accepted although it broke cda-sim's own rules (--strict=false): which fields. */
function ownRuleSuffix(e: JournalEntry): string {
  return e.ownRuleWarnings?.length ? `  own-rule warning: ${e.ownRuleWarnings.map((w) => w.field ?? w.code).join(', ')}` : '';
}

export const journalCommand = defineCommand({
  command: 'journal',
  describe: 'Show journalled exchanges, filtered by request id, path, status',
  builder: (y) =>
    withDirs(y)
      .option('request-id', { type: 'string', describe: 'Only exchanges with this X-Request-ID' })
      .option('path', { type: 'string', describe: 'Only paths starting with this, e.g. /rreguri' })
      .option('status', { type: 'number', describe: 'Only this HTTP status' })
      .option('direction', { choices: ['in', 'out'] as const, describe: 'in: calls to cda-sim; out: calls cda-sim made' })
      .option('limit', { type: 'number', describe: 'Only the last N matching exchanges' })
      .option('json', { type: 'boolean', default: false, describe: 'Print whole entries as NDJSON (headers and bodies)' }),
  run: async (args) => {
    const entries = await readJournal(path.join(args['state-dir'], 'journal.ndjson'), {
      requestId: args['request-id'],
      path: args.path,
      status: args.status,
      direction: args.direction,
      limit: args.limit,
    });
    for (const e of entries) console.log(args.json ? JSON.stringify(e) : journalLine(e));
    if (!args.json) console.error(`${entries.length} exchange(s)`);
    return EXIT.ok;
  },
});
