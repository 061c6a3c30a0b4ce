// Orders' periodic jobs: the expiry sweep (which also finishes releases that a cancel left undone),
// the simulated carrier and the purge of old Idempotency-Keys. Started by server.ts after listen,
// never by createApp. Every instance may run them: each change is a compare-and-set.
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { startJobs, type Jobs } from '../jobs.js';
import type { Logger } from '../logger.js';
import { advanceDeliveries } from './deliveries.service.js';
import { IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { purgeOlderThan } from './idempotency.repo.js';
import { sweepExpired } from './purchases.service.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { UrlLayout } from '../http/urls.js';
import type { Mailer } from '../mail/mailer.js';
import { outboxJobs } from '../mail/outbox.js';
import { orderMailSender, queueShippingReminders } from './orders.mails.js';

export type OrderJobs = Jobs;

const SWEEP_EVERY_MS = 30_000;

interface Deps {
  pool: Pool;
  config: Config;
  logger: Logger;
  catalog: CatalogPort;
  /** With SMTP_URL: the order_outbox sender's mailer, the URL layout its links follow, and who to ask for addresses. */
  mail?: { mailer: Mailer; urls: UrlLayout; accounts: AccountsPort } | null;
}

export function startOrderJobs({ pool, config, logger, catalog, mail }: Deps): OrderJobs {
  // Faster simulated carriers need a faster tick, within 1 s to 30 s.
  const advanceEveryMs = Math.min(30_000, Math.max(1_000, Math.round(60_000 / config.deliverySpeedup)));
  return startJobs(logger, [
    { name: 'expire-purchases', everyMs: SWEEP_EVERY_MS, run: () => sweepExpired(pool, catalog) },
    { name: 'advance-deliveries', everyMs: advanceEveryMs, run: () => advanceDeliveries(pool, config.deliverySpeedup) },
    { name: 'purge-idempotency-keys', everyMs: 15 * 60_000, run: () => purgeOlderThan(pool, new Date(Date.now() - IDEMPOTENCY_TTL_MS)) },
    { name: 'remind-unshipped-sales', everyMs: 10 * 60_000, run: () => queueShippingReminders(pool) },
    ...(mail ? outboxJobs('send-order-mail', orderMailSender({ pool, config, logger, ...mail })) : []),
  ]);
}
