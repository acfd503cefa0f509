// `cda-sim token user <id>`: mint a user token for a seeded test user, valid or deliberately
// broken, so a provider can unit-test its /token handling without a find request.
import { defineCommand, withDirs } from '../command.js';
import { CliError, EXIT } from '../../core/exit-codes.js';
import { systemClock } from '../../core/clock.js';
import { ensureMaterial } from '../../crypto/material.js';
import { createSigner } from '../../crypto/jose.js';
import { loadTestUsers } from '../../testdata/users.js';
import { mintUserToken, USER_TOKEN_VARIANTS, type UserTokenVariant } from '../../pfs/user-token.js';
import { defaultCaConfig, tokenEndpoint } from '../../ca/config.js';
import { readLock } from '../../server/lock.js';

export const tokenCommand = defineCommand({
  command: 'token <kind> <id>',
  describe: 'Mint a token: `token user CP01` prints a user token for that test user',
  builder: (y) =>
    withDirs(y)
      .positional('kind', { choices: ['user'] as const, describe: 'What to mint' })
      .positional('id', { type: 'string', demandOption: true, describe: 'Test user id (see `cda-sim users`)' })
      .option('variant', { choices: USER_TOKEN_VARIANTS, default: 'valid' as UserTokenVariant, describe: 'valid, or a deliberately broken token' })
      .option('audience', { type: 'string', describe: 'aud claim (default: the running simulator’s token endpoint, else https://localhost:8443/token)' })
      .option('lifetime', { type: 'number', default: 60, describe: 'Seconds until exp' })
      .option('users', { type: 'string', describe: 'Test users file' })
      .option('claims', { type: 'boolean', default: false, describe: 'Also print the claims (to stderr)' }),
  run: async (args) => {
    const users = loadTestUsers(args.users);
    const user = users.find((u) => u.id === args.id);
    if (!user) throw new CliError(`unknown test user "${args.id}"; known: ${users.map((u) => u.id).join(', ')}`);
    const { material } = await ensureMaterial(args['certs-dir'], { clock: systemClock });
    const issuer = readLock(args['state-dir'])?.issuer ?? 'https://localhost:8443';
    const { token, claims } = await mintUserToken({
      user,
      clock: systemClock,
      pfsSigner: await createSigner(material.keys.pfs),
      rogueSigner: await createSigner(material.keys.rogue),
      pfsIssuer: defaultCaConfig.pfsIssuer,
      audience: args.audience ?? tokenEndpoint(issuer),
      variant: args.variant as UserTokenVariant,
      lifetimeSeconds: args.lifetime,
    });
    console.log(token);
    if (args.claims) console.error(JSON.stringify(claims, null, 2));
    return EXIT.ok;
  },
});
