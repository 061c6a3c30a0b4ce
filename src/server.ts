// The only module with side effects at start: read config, connect, migrate, listen, and
// shut down gracefully so a load balancer scaling in loses no request.
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { serve } from './http/serve.js';
import { createLogger } from './logger.js';
import { startCatalogJobs } from './catalog/catalog.jobs.js';
import { startOrderJobs } from './orders/orders.jobs.js';
import { accountsJobs } from './accounts/accounts.jobs.js';
import { startJobs } from './jobs.js';
import { localPorts } from './ports.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
if (config.migrateOnStart) {
  const applied = await migrate(config.databaseUrl);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database up to date');
}
const pool = createPool(config.databaseUrl, 10, { callerStacks: !config.isProduction });
const database = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1));
const ports = localPorts(pool);
const bookstore = createApp({ config, pool, logger, database, ports });
// Expiry sweep, delivery simulation, stale stock holds: safe on every instance (compare-and-set updates).
const orderJobs = startOrderJobs({ pool, config, logger, catalog: ports.catalog });
const catalogJobs = startCatalogJobs({ pool, logger });
const accountJobs = startJobs(logger, accountsJobs(pool));
serve({
  config,
  logger,
  app: bookstore.app,
  name: 'BookStore',
  stop: async () => {
    await Promise.all([orderJobs.stop(), catalogJobs.stop(), accountJobs.stop()]);
    await bookstore.close();
    await pool.end();
  },
});
