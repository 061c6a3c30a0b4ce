// The periodic jobs as server.ts starts them: a fast simulated carrier delivers on its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startOrderJobs } from '../../src/orders/orders.jobs.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyAndPay, createBook, csrfOf, providerIds } from '../helpers/orders.js';
import { loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  // One simulated hour lasts 10 ms, so a 48-hour delivery takes under half a second.
  t = await startTestApp({ DELIVERY_SPEEDUP: '360000' });
});
after(() => t.close());

test('startOrderJobs moves a shipped delivery to delivered, and stop() ends the timers', async () => {
  const seller = await loggedInAgent(t);
  const buyer = await loggedInAgent(t);
  const book = await createBook(t.pool, seller.user.id);
  const id = await buyAndPay(buyer.agent, book, (await providerIds(t.pool))[0]!.id);
  assert.equal((await seller.agent.post(`/sales/${id}/ship`).type('form').send({ _csrf: await csrfOf(seller.agent) })).status, 302);

  const jobs = startOrderJobs({ pool: t.pool, config: t.config, logger: createLogger('silent'), catalog: t.ports.catalog });
  try {
    let status = '';
    for (let i = 0; i < 50 && status !== 'delivered'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT status FROM deliveries WHERE purchase_id = ?', [id]);
      status = String(rows[0]?.status);
    }
    assert.equal(status, 'delivered');
  } finally {
    await jobs.stop();
  }
  const page = await buyer.agent.get(`/purchases/${id}`);
  assert.match(page.text, /Delivered\./);
});
