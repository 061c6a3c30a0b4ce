// Runs test files with node:test (Node 24: --test expands the globs itself).
//   node scripts/run-tests.mjs            every test/**/*.test.ts (each makes its own database, so 2 at a time)
//   node scripts/run-tests.mjs --e2e      every test/**/*.e2e.ts, the Chromium journeys, one at a time
//   node scripts/run-tests.mjs --scale    every test/**/*.scale.ts, the scale-out topology, one at a time
//   node scripts/run-tests.mjs --k8s      every test/k8s-run/*.k8s.ts: the rendered k8s overlay as Docker containers, one at a time
//   node scripts/run-tests.mjs FILE...    just those files
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const e2e = args.includes('--e2e');
const scale = args.includes('--scale');
// --services: the split shop's tests (test/services/*.services.ts), one at a time (each starts a topology).
const services = args.includes('--services');
const k8s = args.includes('--k8s');
const named = args.filter((a) => !['--e2e', '--scale', '--services', '--k8s'].includes(a));
const pattern = e2e ? 'test/**/*.e2e.ts' : scale ? 'test/**/*.scale.ts' : services ? 'test/services/*.services.ts' : k8s ? 'test/k8s-run/*.k8s.ts' : 'test/**/*.test.ts';
const files = named.length > 0 ? named : [pattern];
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${e2e || scale || services || k8s ? 1 : 2}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
