// `cda-sim users`: list the seeded synthetic test users.
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { loadTestUsers } from '../../testdata/users.js';

export const usersCommand = defineCommand({
  command: 'users',
  describe: 'List the seeded synthetic test users (ids, subs, purposes)',
  builder: (y) => y.option('users', { type: 'string', describe: 'Test users file' }).option('json', { type: 'boolean', default: false }),
  run: async (args) => {
    const users = loadTestUsers(args.users);
    if (args.json) console.log(JSON.stringify(users, null, 2));
    else for (const u of users) console.log(`${u.id.padEnd(6)} ${u.sub}  ${u.purpose}`);
    return EXIT.ok;
  },
});
