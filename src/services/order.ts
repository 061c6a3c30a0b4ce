// The order service's entry point: the orders unit on order's own database; accounts and the
// sessions are auth's and the books catalog's, over HTTP; API tokens checked with auth's public key.
import { compose } from '../compose.js';
import { ordersUnit } from '../orders/orders.unit.js';
import { start } from '../start.js';
import { httpAccounts } from './accounts.client.js';
import { httpCatalog } from './catalog.client.js';
import { bootService, required } from './run.js';
import { httpSessions } from './sessions.client.js';
import { publicKeyClaims } from './tokens.js';

const order = await bootService('order');
const { config, pool, calls } = order;
const accounts = httpAccounts(calls.auth, config.accountCheckCacheMs);
const apiClaims = await publicKeyClaims(required(config.jwtPublicKey, 'JWT_PUBLIC_KEY'));
start('order-service', order, compose([ordersUnit({ config, pool, accounts, catalog: httpCatalog(calls.catalog), apiClaims })], { ...order.shell, sessions: httpSessions(calls.auth) }));
