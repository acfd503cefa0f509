// `cda-sim users`: list the seeded synthetic test users.
import { defineCommand } from '../command.js';
import { EXIT } from '../../core/exit-codes.js';
import { loadTestUsers } from '../../testdata/users.js';

export const usersCommand = defineCommand({
  command: 'users',
  describe: 'List the seeded synthetic test users (ids, subs, purposes)',
  builder: (y) => y.option('users', { type: 'string', describe: 'Test users file' }).option('json', { type: 'boolean', default: false, describe: 'One JSON object a line (NDJSON), one user each' }),
  run: async (args) => {
    const users = loadTestUsers(args.users);
    // Every --json list is NDJSON: one object a line, so it streams and greps.
    if (args.json) for (const u of users) console.log(JSON.stringify(u));
    else for (const u of users) console.log(`${u.id.padEnd(6)} ${u.sub}  ${u.purpose}`);
    return EXIT.ok;
  },
});
