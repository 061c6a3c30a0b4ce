// npm run migrate [-- accounts catalog orders]: applies pending migrations to DATABASE_URL (creating
// the database if missing), for every feature or only the ones named (a feature's own database).
import { loadConfig } from '../config.js';
import { FEATURES, migrate, type Feature } from './migrate.js';

try {
  const named = process.argv.slice(2);
  const unknown = named.filter((n) => !(FEATURES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`Unknown feature ${unknown.join(', ')}: choose from ${FEATURES.join(', ')}.`);
  const config = loadConfig();
  const applied = await migrate(config.databaseUrl, named.length ? { features: named as Feature[] } : {});
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
