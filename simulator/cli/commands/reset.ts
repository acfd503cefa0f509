// `cda-sim reset`: clear registrations, tokens, reporting submissions and the journal; keep crypto material.
// When a simulator is running on the state directory, ask it (through its admin API) rather
// than writing underneath it.
import fs from 'node:fs';
import { readAdminToken } from '../../admin/access.js';
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { readLock } from '../../server/lock.js';
import { Store } from '../../store/state.js';
import { Journal } from '../../store/journal.js';
import { SubmissionStore } from '../../reporting/submissions.js';

export const resetCommand = defineCommand({
  command: 'reset',
  describe: 'Clear registrations, tokens, reporting submissions and the journal (crypto material is kept)',
  builder: (y) => withDirs(y),
  run: async (args) => {
    const dir = args['state-dir'];
    const running = readLock(dir);
    let cleared: { registrations: number; pats: number; rpts: number };
    if (running) {
      if (!running.adminUrl) throw new CliError(`a simulator (pid ${running.pid}) holds ${dir} without an admin API; stop it first`, EXIT.environment);
      // Off loopback the running simulator wants the token it wrote into this state directory.
      const token = readAdminToken(dir);
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      const res = await fetch(`${running.adminUrl}/admin/reset`, { method: 'POST', headers }).catch((err) => {
        throw new CliError(`cannot reach the running simulator at ${running.adminUrl}: ${err.message}`, EXIT.environment);
      });
      if (!res.ok) throw new CliError(`the running simulator refused the reset: HTTP ${res.status}`, EXIT.environment);
      cleared = ((await res.json()) as { cleared: typeof cleared }).cleared;
    } else if (!fs.existsSync(dir)) {
      cleared = { registrations: 0, pats: 0, rpts: 0 };
    } else {
      const store = await Store.open(dir);
      cleared = { registrations: store.resources().length, pats: Object.keys(store.data.pats).length, rpts: Object.keys(store.data.rpts).length };
      store.reset();
      await store.close();
      const journal = new Journal(dir, Date.now);
      journal.clear();
      journal.close();
      const submissions = SubmissionStore.open(dir);
      submissions.clear();
      submissions.close();
    }
    console.log(`reset ${dir}: cleared ${cleared.registrations} registration(s), ${cleared.pats} PAT(s), ${cleared.rpts} RPT(s), reporting submissions and the journal; crypto material kept`);
    return EXIT.ok;
  },
});
