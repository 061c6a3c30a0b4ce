// Periodic jobs: the expiry sweep and the simulated carrier. Started by server.ts after listen,
// never by createApp. Every instance may run them: each change is a compare-and-set.
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { advanceDeliveries } from './deliveries.service.js';
import { IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { purgeOlderThan } from './idempotency.repo.js';
import { sweepExpired } from './purchases.service.js';

export interface OrderJobs {
  stop(): Promise<void>;
}

const SWEEP_EVERY_MS = 30_000;

export function startOrderJobs({ pool, config, logger }: { pool: Pool; config: Config; logger: Logger }): OrderJobs {
  // Faster simulated carriers need a faster tick, within 1 s to 30 s.
  const advanceEveryMs = Math.min(30_000, Math.max(1_000, Math.round(60_000 / config.deliverySpeedup)));
  const running = new Set<Promise<void>>();
  let stopped = false;

  function every(ms: number, name: string, job: () => Promise<number>): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || stopped) return;
      busy = true;
      const run = job()
        .then((n) => {
          if (n > 0) logger.info({ job: name, changed: n }, `${name}: ${n} changed`);
        })
        .catch((err: unknown) => logger.error({ err, job: name }, `${name} failed`))
        .finally(() => {
          busy = false;
          running.delete(run);
        });
      running.add(run);
    }, ms);
    timer.unref();
    return timer;
  }

  const timers = [
    every(SWEEP_EVERY_MS, 'expire-purchases', () => sweepExpired(pool)),
    every(advanceEveryMs, 'advance-deliveries', () => advanceDeliveries(pool, config.deliverySpeedup)),
    every(15 * 60_000, 'purge-idempotency-keys', () => purgeOlderThan(pool, new Date(Date.now() - IDEMPOTENCY_TTL_MS))),
  ];
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.all([...running]);
    },
  };
}
