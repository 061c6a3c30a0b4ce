// The only module with side effects at start: read config, connect, migrate, listen, and
// shut down gracefully so a load balancer scaling in loses no request.
import type { ServerResponse } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { createHttpServer } from './http/http-server.js';
import { createLogger } from './logger.js';
import { startCatalogJobs } from './catalog/catalog.jobs.js';
import { startOrderJobs } from './orders/orders.jobs.js';
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
const pool = createPool(config.databaseUrl);
const database = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1));
const ports = localPorts(pool);
const bookstore = createApp({ config, pool, logger, database, ports });
let stopping = false;
const inFlight = new Set<ServerResponse>();
const server = createHttpServer(config, (req, res) => {
  // While shutting down, each answer also closes its keep-alive connection, so clients
  // (and the proxy) reconnect to another instance instead of reusing this one.
  if (stopping) res.setHeader('Connection', 'close');
  inFlight.add(res);
  res.on('close', () => inFlight.delete(res));
  bookstore.app(req, res);
});
server.listen(config.port, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port }, `BookStore listening on http://localhost:${port}`);
});
// Expiry sweep, delivery simulation, stale stock holds: safe on every instance (compare-and-set updates).
const orderJobs = startOrderJobs({ pool, config, logger, catalog: ports.catalog });
const catalogJobs = startCatalogJobs({ pool, logger });

function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
  const deadline = setTimeout(() => {
    logger.error('requests still running at the shutdown deadline; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs);
  deadline.unref();
  for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
  // Idle keep-alive sockets are closed now, and again as busy ones finish their response.
  const closeIdle = setInterval(() => server.closeIdleConnections(), 250);
  server.close((err) => {
    clearInterval(closeIdle);
    void (async () => {
      await Promise.all([orderJobs.stop(), catalogJobs.stop()]);
      await bookstore.close();
      await pool.end();
      logger.info('stopped');
      process.exit(err ? 1 : 0);
    })();
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
