// Starts one service: read its config, migrate its own tables, connect, listen, stop gracefully.
// The entry points (auth.ts, catalog.ts, order.ts) are one line each on top of this.
import { ConfigError } from '../config.js';
import { migrate, type Feature } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import type { ServiceName } from '../http/urls.js';
import { serve } from '../http/serve.js';
import { createLogger } from '../logger.js';
import { startCatalogJobs } from '../catalog/catalog.jobs.js';
import { startOrderJobs } from '../orders/orders.jobs.js';
import { httpAccounts } from './accounts.client.js';
import { httpCatalog } from './catalog.client.js';
import { httpSessions } from './sessions.client.js';
import { accountsJobs } from '../accounts/accounts.jobs.js';
import { startJobs } from '../jobs.js';
import { serviceClient } from './http-client.js';
import { loadServiceConfig, type ServiceConfig } from './service.config.js';
import { createAuthApp, createCatalogApp, createOrderApp, type ServiceApp } from './services.app.js';
import { serviceTokens } from './tokens.js';

const FEATURE: Record<ServiceName, Feature> = { auth: 'accounts', catalog: 'catalog', order: 'orders' };

export async function runService(service: ServiceName): Promise<void> {
  let config: ServiceConfig;
  try {
    config = loadServiceConfig(service);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel).child({ service });
  if (config.migrateOnStart) {
    const applied = await migrate(config.databaseUrl, { features: [FEATURE[service]] });
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database up to date');
  }
  const pool = createPool(config.databaseUrl, 10, { callerStacks: !config.isProduction });
  const database = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1));
  const deps = { config, logger, pool, database };
  const token = config.servicePrivateKey ? await serviceTokens(service, config.servicePrivateKey) : () => Promise.reject(new Error('no SERVICE_PRIVATE_KEY'));
  const client = (callee: string, baseUrl: string) => serviceClient({ service: callee, baseUrl, timeoutMs: config.callTimeoutMs, token });
  const accounts = httpAccounts(client('auth', config.authUrl), config.accountCheckCacheMs);
  const sessions = httpSessions(client('auth', config.authUrl));
  const stops: (() => Promise<void>)[] = [];
  let built: ServiceApp;
  if (service === 'auth') {
    built = await createAuthApp(deps);
    const jobs = startJobs(logger, accountsJobs(pool));
    stops.push(() => jobs.stop());
  } else if (service === 'catalog') {
    built = await createCatalogApp(deps, accounts, sessions);
    const jobs = startCatalogJobs({ pool, logger });
    stops.push(() => jobs.stop());
  } else {
    const catalog = httpCatalog(client('catalog', config.catalogUrl));
    built = await createOrderApp(deps, accounts, sessions, catalog);
    const jobs = startOrderJobs({ pool, config, logger, catalog });
    stops.push(() => jobs.stop());
  }
  serve({
    config,
    logger,
    app: built.app,
    name: `${service}-service`,
    stop: async () => {
      await Promise.all(stops.map((s) => s()));
      await built.close();
      await pool.end();
    },
  });
}
