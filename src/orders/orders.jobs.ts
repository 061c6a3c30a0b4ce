// Orders' periodic jobs: the expiry sweep (which also finishes releases that a cancel left undone),
// the stock returns of cancelled parcels that did not finish, the ship-by deadline (cancel and refund), sellers' stats for catalog,
// the simulated carrier, the purge of old Idempotency-Keys, sellers' shipping reminders and, with
// SMTP_URL, sending order_outbox. Started by server.ts after listen,
// never by createApp. Every instance may run them: each change is a compare-and-set.
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { startJobs, type Job, type Jobs } from '../jobs.js';
import type { Logger } from '../logger.js';
import { advanceDeliveries } from './deliveries.service.js';
import { IDEMPOTENCY_TTL_MS } from './idempotency.js';
import { purgeOlderThan } from './idempotency.repo.js';
import { sweepExpired } from './purchases.service.js';
import { cancelOverdueParcels, retryStockReturns } from './refunds.service.js';
import { sellerStatsJob } from './seller-stats.service.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import { outboxJobs, type MailSetup } from '../mail/outbox.js';
import { orderMailSender, queueShippingReminders } from './orders.mails.js';

export type OrderJobs = Jobs;

/** Sending order_outbox: the mail setup, and accounts to ask for each recipient's address and language. */
type OrderMail = MailSetup & { accounts: AccountsPort };

const SWEEP_EVERY_MS = 30_000;

export function orderJobs({ pool, config, catalog, mail = null }: { pool: Pool; config: Config; catalog: CatalogPort; mail?: OrderMail | null }): Job[] {
  // Faster simulated carriers need a faster tick, within 1 s to 30 s.
  const advanceEveryMs = Math.min(30_000, Math.max(1_000, Math.round(60_000 / config.deliverySpeedup)));
  return [
    { name: 'expire-purchases', everyMs: SWEEP_EVERY_MS, run: () => sweepExpired(pool, catalog) },
    { name: 'return-cancelled-stock', everyMs: SWEEP_EVERY_MS, run: () => retryStockReturns(pool, catalog) },
    { name: 'cancel-overdue-parcels', everyMs: 60_000, run: () => cancelOverdueParcels(pool, catalog) },
    { name: 'publish-seller-stats', everyMs: 5 * 60_000, run: sellerStatsJob(pool, catalog) },
    { name: 'advance-deliveries', everyMs: advanceEveryMs, run: () => advanceDeliveries(pool, config.deliverySpeedup) },
    { name: 'purge-idempotency-keys', everyMs: 15 * 60_000, run: () => purgeOlderThan(pool, new Date(Date.now() - IDEMPOTENCY_TTL_MS)) },
    { name: 'remind-unshipped-sales', everyMs: 10 * 60_000, run: () => queueShippingReminders(pool) },
    ...(mail ? outboxJobs('send-order-mail', orderMailSender({ pool, config, ...mail })) : []),
  ];
}

/** Starts them on their own (tests; the servers start every unit's jobs together). */
export function startOrderJobs({ pool, config, logger, catalog }: { pool: Pool; config: Config; logger: Logger; catalog: CatalogPort }): OrderJobs {
  return startJobs(logger, orderJobs({ pool, config, catalog }));
}
