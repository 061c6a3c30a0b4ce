// The auth service's entry point: the accounts unit on auth's own database (users and the shop's
// sessions), API tokens signed with ES256.
import { accountsUnit } from '../accounts/accounts.unit.js';
import { localSessions } from '../accounts/sessions.local.js';
import { compose } from '../compose.js';
import { start } from '../start.js';
import { bootService, required } from './run.js';
import { publicKeyTokens } from './tokens.js';

const auth = await bootService('auth');
const { config, pool, database } = auth;
const tokens = await publicKeyTokens(required(config.jwtPrivateKey, 'JWT_PRIVATE_KEY'));
start('auth-service', auth, compose([accountsUnit({ config, pool, database, tokens })], { ...auth.shell, sessions: localSessions(pool) }));
