// Preload for finding what grows V8's old generation under load (BENCHMARKS.md, memory):
//   node --max-semi-space-size=4 --import ./bench/memory/space-log.mjs dist/server.js
// then load one route at a time (wrk -t2 -c32 -d8s URL) and read the lines on stderr: a route
// whose `old` climbs by megabytes a second between full GCs is one to look into.
import { setInterval } from 'node:timers';
import v8 from 'node:v8';

const mb = (bytes) => (bytes / 1048576).toFixed(1);
setInterval(() => {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s]));
  const line = ['new_space', 'old_space', 'code_space', 'large_object_space']
    .map((name) => `${name.replace('_space', '')} ${mb(spaces[name].space_used_size)}/${mb(spaces[name].physical_space_size)} MB`)
    .join(' | ');
  const usage = process.memoryUsage();
  console.error(`${line} | array buffers ${mb(usage.arrayBuffers)} MB | heap ${mb(usage.heapTotal)} MB | rss ${mb(usage.rss)} MB`);
}, 1000).unref();
