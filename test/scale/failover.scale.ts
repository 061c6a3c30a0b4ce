// Losing the primary database under a checkout load (deploy/local/scale-out.sh): reads go on from
// the replica, checkouts answer 503 (never 500) until the replica is promoted, then succeed again
// without restarting an instance; nothing a shopper saw confirmed is lost, nothing is oversold, and
// the old primary, fenced, gets no traffic when it comes back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { buyOne, publishBook, registerShopper, serverStat, sleep, startLoad, type Agent, type Topology, scaleOutUp } from './topology.js';

let t: Topology;
before(async () => {
  t = await scaleOutUp();
});
after(() => t?.down());

interface Attempt {
  status: number;
  error?: string;
  purchaseId?: number;
  at: number;
}

/** Each buyer buys one copy after another, round robin over the books, until stopped. */
function checkoutLoad(buyers: Agent[], books: number[], maxMs = 60_000) {
  const attempts: Attempt[] = [];
  let stopped = false;
  const deadline = Date.now() + maxMs;
  const workers = buyers.map(async (agent, b) => {
    for (let i = b; !stopped && Date.now() < deadline; i++) {
      try {
        const r = await buyOne(agent, books[i % books.length]!);
        attempts.push({ status: r.status, purchaseId: r.purchaseId, at: Date.now() });
      } catch (err) {
        attempts.push({ status: -1, error: String(err), at: Date.now() });
      }
      await sleep(50);
    }
  });
  return {
    attempts,
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return attempts;
    },
  };
}

const statusesOf = (attempts: Attempt[]) => [...new Set(attempts.map((a) => a.status))].sort();

describe('the primary database is lost under a checkout load', () => {
  test('reads stay 200, checkouts 503 until promote, then succeed; nothing confirmed is lost or oversold; the fenced old primary gets no traffic', async () => {
    const seller = await registerShopper(t, 'Pilar Primary');
    const stockEach = 1000; // enough that nothing sells out while the test runs
    const books: number[] = [];
    for (const title of ['Dawn', 'Adulthood Rites', 'Imago', 'Wild Seed']) books.push((await publishBook(seller.agent, { title, price: '7.25', stock: String(stockEach) })).id);
    const buyers: Agent[] = [];
    for (let i = 0; i < 4; i++) buyers.push((await registerShopper(t, `Buyer ${i}`)).agent);

    const reads = startLoad(t, ['/book/catalog', ...books.map((id) => `/book/${id}`), '/book/catalog?q=imago'], 4, 60_000);
    const checkouts = checkoutLoad(buyers, books);
    await sleep(2500);
    const beforeKill = checkouts.attempts.filter((a) => a.status === 302).length;
    assert.ok(beforeKill > 0, 'checkouts went through before the loss');

    // kill -9: no shutdown, no goodbye to the replica.
    const primaryPid = (await t.pids())['db-primary'];
    assert.ok(primaryPid);
    const killedAt = Date.now();
    process.kill(primaryPid, 'SIGKILL');
    const readsAtKill = reads.result.total;
    await sleep(4000);

    // The outage: reads from the replica, checkouts refused cleanly.
    const during = checkouts.attempts.filter((a) => a.at > killedAt + 1500);
    assert.ok(during.length > 0, 'checkouts were tried during the outage');
    assert.deepEqual(statusesOf(during), [503], `checkouts during the outage answer 503: ${JSON.stringify(statusesOf(during))}`);
    assert.ok(reads.result.total - readsAtKill > 20, 'reads went on during the outage');
    const health = await fetch(`http://127.0.0.1:${t.env.APP1_PORT}/healthz`);
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), { db: 'read-only' });
    assert.equal((await serverStat(t, 'db', 'mysql', 'db-primary')).status.startsWith('DOWN'), true, 'HAProxy marked the primary down');

    // Promote, without touching an app instance.
    const appPids = await t.pids();
    const promotedAt = Date.now();
    const promoted = await t.cli('promote');
    assert.match(promoted, /promoted db-replica/);
    await sleep(3000);
    const readResult = await reads.stop();
    const attempts = await checkouts.stop();

    const after = attempts.filter((a) => a.at > promotedAt + 1500);
    assert.ok(after.length > 0, 'checkouts were tried after the promotion');
    assert.deepEqual(statusesOf(after), [302], `checkouts succeed after promote: ${JSON.stringify(statusesOf(after))} ${after.find((a) => a.error)?.error ?? ''}`);
    assert.ok(!attempts.some((a) => a.status === 500 || a.status === -1), 'no checkout ever answered 500 or lost its connection');
    assert.deepEqual(readResult.errors, [], 'no read lost its connection');
    assert.deepEqual([...readResult.statuses.keys()], [200], `every read answered 200: ${JSON.stringify([...readResult.statuses])} ${readResult.failures.slice(0, 5).join(', ')}`);
    const stillRunning = await t.pids();
    assert.equal(stillRunning.app1, appPids.app1, 'app1 was not restarted');
    assert.equal(stillRunning.app2, appPids.app2, 'app2 was not restarted');

    // Every purchase a shopper saw succeed is on the promoted server; no copy was sold twice.
    const db = await t.database('db-replica');
    try {
      const confirmed = attempts.filter((a) => a.status === 302).map((a) => a.purchaseId!);
      const [found] = await db.query<RowDataPacket[]>('SELECT id FROM purchases WHERE id IN (?)', [confirmed]);
      assert.equal(found.length, confirmed.length, `all ${confirmed.length} confirmed purchases survived the loss of the primary`);
      const [stock] = await db.query<RowDataPacket[]>(
        `SELECT b.id, b.stock,
                (SELECT COALESCE(SUM(i.quantity), 0) FROM book_reservation_items i JOIN book_reservations r ON r.id = i.reservation_id
                  WHERE i.book_id = b.id AND r.state <> 'released') AS reserved,
                (SELECT COALESCE(SUM(p.quantity), 0) FROM purchase_items p WHERE p.book_id = b.id) AS sold
           FROM books b WHERE b.id IN (?)`,
        [books],
      );
      for (const row of stock) {
        assert.ok(Number(row.stock) >= 0);
        assert.equal(Number(row.stock) + Number(row.reserved), stockEach, `book ${row.id}: stock and what is reserved add up to what was listed`);
        assert.ok(Number(row.sold) <= Number(row.reserved), `book ${row.id}: never sold more than was reserved`);
      }
    } finally {
      await db.end();
    }

    // The old primary comes back (read-only by its fenced config) and HAProxy keeps it in maintenance.
    const backOut = await t.cli('start', 'db-primary');
    assert.match(backOut, /^db-primary \d+/);
    const before = await serverStat(t, 'db', 'mysql', 'db-primary');
    assert.equal(before.status, 'MAINT');
    const oldPrimary = await t.database('db-primary');
    try {
      const [[ro]] = (await oldPrimary.query('SELECT @@GLOBAL.read_only AS ro')) as unknown as [RowDataPacket[]];
      assert.equal(Number(ro?.ro), 1, 'the old primary came back read-only');
      const more = await buyOne(buyers[0]!, books[0]!);
      assert.equal(more.status, 302, 'checkouts go on after the old primary is back');
      await sleep(1500);
      const [onOld] = await oldPrimary.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM purchases WHERE id = ?', [more.purchaseId]);
      assert.equal(Number(onOld[0]?.n), 0, 'the new purchase is not on the old primary');
      const now = await serverStat(t, 'db', 'mysql', 'db-primary');
      assert.equal(now.status, 'MAINT');
      assert.equal(now.current, 0, 'no connection to the old primary');
      assert.equal(now.total, before.total, 'no new connection to the old primary');
    } finally {
      await oldPrimary.end();
    }
  });
});
