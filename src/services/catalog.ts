// The catalog service's entry point: the catalog unit on catalog's own database; accounts and the
// sessions are auth's, over HTTP; API tokens checked with auth's public key.
import { catalogUnit } from '../catalog/catalog.unit.js';
import { compose } from '../compose.js';
import { start } from '../start.js';
import { httpAccounts } from './accounts.client.js';
import { bootService, required } from './run.js';
import { httpSessions } from './sessions.client.js';
import { publicKeyClaims } from './tokens.js';

const catalog = await bootService('catalog');
const { config, pool, calls } = catalog;
const accounts = httpAccounts(calls.auth, config.accountCheckCacheMs);
const apiClaims = await publicKeyClaims(required(config.jwtPublicKey, 'JWT_PUBLIC_KEY'));
start('catalog-service', catalog, compose([catalogUnit({ config, pool, accounts, apiClaims })], { ...catalog.shell, sessions: httpSessions(calls.auth) }));
