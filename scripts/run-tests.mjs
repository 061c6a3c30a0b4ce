// Runs test files with node:test (Node 20's --test takes no globs).
//   node scripts/run-tests.mjs            every test/**/*.test.ts (each makes its own database, so 2 at a time)
//   node scripts/run-tests.mjs --e2e      every test/**/*.e2e.ts, the Chromium journeys, one at a time
//   node scripts/run-tests.mjs FILE...    just those files
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir, suffix) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : findTests(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

const args = process.argv.slice(2);
const e2e = args.includes('--e2e');
const named = args.filter((a) => a !== '--e2e');
const files = named.length > 0 ? named : findTests('test', e2e ? '.e2e.ts' : '.test.ts').sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${e2e ? 1 : 2}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
