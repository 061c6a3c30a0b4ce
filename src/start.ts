// What every entry point does around its composition: read the config (a wrong one exits with its
// message), migrate what it owns, connect; then listen, start the units' jobs, and stop both
// gracefully so a load balancer scaling in loses no request. The only module with side effects.
import { ConfigError, type Config } from './config.js';
import { migrate, type Feature } from './db/migrate.js';
import { createPool, type Pool } from './db/pool.js';
import { serve } from './http/serve.js';
import { startJobs } from './jobs.js';
import { createLogger, type Logger } from './logger.js';
import type { Composed } from './compose.js';

export interface Booted<C extends Config> {
  config: C;
  logger: Logger;
  pool: Pool;
  /** Name of the database behind the pool. */
  database: string;
}

/** `features`: the ones whose tables this deployable owns (all of them for the monolith). */
export async function boot<C extends Config>(load: () => C, features: Feature[] | undefined, bindings: Record<string, string> = {}): Promise<Booted<C>> {
  let config: C;
  try {
    config = load();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel).child(bindings);
  if (config.migrateOnStart) {
    const applied = await migrate(config.databaseUrl, features ? { features } : undefined);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database up to date');
  }
  const pool = createPool(config.databaseUrl, 10, { callerStacks: !config.isProduction });
  const database = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1));
  return { config, logger, pool, database };
}

/** Listens, starts the jobs (safe on every instance: compare-and-set updates), stops both on SIGTERM. */
export function start(name: string, { config, logger, pool }: Booted<Config>, { app, jobs }: Composed): void {
  const running = startJobs(logger, jobs);
  serve({
    config,
    logger,
    app,
    name,
    stop: async () => {
      await running.stop();
      await pool.end();
    },
  });
}
