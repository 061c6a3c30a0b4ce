// Runs test files with node:test (Node 24: --test expands the globs itself).
//   node scripts/run-tests.mjs            every test/**/*.test.ts (each makes its own database, so 2 at a time)
//   node scripts/run-tests.mjs --e2e      every test/**/*.e2e.ts, the Chromium journeys, one at a time
//   node scripts/run-tests.mjs --docker   every test/docker/*.docker.ts: the images and compose stacks in a Docker engine, one at a time
//   node scripts/run-tests.mjs --k8s      every test/k8s-run/*.k8s.ts: the rendered k8s overlay as Docker containers, one at a time
//   node scripts/run-tests.mjs FILE...    just those files
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const e2e = args.includes('--e2e');
// --services: the split shop's tests (test/services/*.services.ts), one at a time (each starts a topology).
const services = args.includes('--services');
const docker = args.includes('--docker');
// --k8s: the rendered k8s overlay run as its pod specs say, in a Docker engine (test/k8s-run/*.k8s.ts).
const k8s = args.includes('--k8s');
const named = args.filter((a) => !['--e2e', '--services', '--docker', '--k8s'].includes(a));
const pattern = e2e ? 'test/**/*.e2e.ts' : services ? 'test/services/*.services.ts' : docker ? 'test/docker/*.docker.ts' : k8s ? 'test/k8s-run/*.k8s.ts' : 'test/**/*.test.ts';
const files = named.length > 0 ? named : [pattern];
const oneAtATime = e2e || services || docker || k8s;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${oneAtATime ? 1 : 2}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
