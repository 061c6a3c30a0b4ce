// npm run migrate: applies pending migrations to DATABASE_URL (creating the database if missing).
import { loadConfig } from '../config.js';
import { migrate } from './migrate.js';

try {
  const config = loadConfig();
  const applied = await migrate(config.databaseUrl);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
