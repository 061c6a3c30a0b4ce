// Runs the browser journeys (test/e2e/*.e2e.ts) in Debian's Chromium: `npm run test:e2e`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const files = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync('test/e2e').filter((f) => f.endsWith('.e2e.ts')).sort().map((f) => `test/e2e/${f}`);
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(result.status ?? 1);
