// tsc does not copy the .sql migrations: this puts every migrations folder (the shared history in
// src/db and each feature's own) next to the compiled code, where migrate.js looks for them.
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const folder of ['db', 'accounts', 'catalog', 'orders']) {
  const from = join(root, 'src', folder, 'migrations');
  if (existsSync(from)) cpSync(from, join(root, 'dist', folder, 'migrations'), { recursive: true });
}
