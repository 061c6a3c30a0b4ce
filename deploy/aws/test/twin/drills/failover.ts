// Drill: the primary database killed (`docker kill`, no goodbye) under a checkout load and a read load
// through the ALB. Reads go on from the replica and checkouts answer 503 (never 500) until the
// runbook command runs as docs/scale-out.md documents it (`sudo bookstore-failover promote` on
// db-replica), then they succeed with no app instance restarted. Every purchase a shopper saw
// confirmed is on the promoted server, nothing is oversold, and the old primary, started again,
// comes back read-only, rendered `disabled` by HAProxy, and takes no write.
import assert from 'node:assert/strict';
import { docker } from '../twin.ts';
import { buyOne, loop, type Outcome, publishBook, register, type Shopper, tally } from '../shopper.ts';
import { BASE, container, exec, sql, type Stack } from '../topology.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const statusesOf = (outcomes: Outcome[]) => [...new Set(outcomes.map((o) => o.status))].sort();
const appPid = async (slot: string) => (await exec(container(slot), 'systemctl', 'show', '-p', 'ExecMainPID', '--value', 'bookstore-app')).trim();

export async function primaryLost(stack: Stack) {
  const seller = await register(BASE, stack.ca, 'Pilar Primary');
  const stockEach = 1000; // nothing sells out while the drill runs
  const books: number[] = [];
  for (const title of ['Dawn', 'Adulthood Rites', 'Imago', 'Wild Seed']) books.push((await publishBook(seller, { title, price: '7.25', stock: String(stockEach) })).id);
  const buyers: Shopper[] = [];
  for (let i = 0; i < 4; i++) buyers.push(await register(BASE, stack.ca, `Buyer ${i}`));
  const paths = ['/book/catalog', ...books.map((id) => `/book/${id}`), '/book/catalog?q=imago'];
  const reads = loop(4, async (w, i) => {
    const path = paths[(w + i) % paths.length]!;
    const res = await seller.get(path);
    return { what: `GET ${path}`, status: res.status, instance: String(res.headers['x-instance']) };
  });
  const checkouts = loop(4, async (w, i) => ({ what: 'buy', ...(await buyOne(buyers[w]!, books[(w + i) % books.length]!)) }));
  const pids = { a: await appPid('app-a1'), b: await appPid('app-b1') };
  await sleep(3000);
  assert.ok(checkouts.outcomes.some((o) => o.status === 302), 'checkouts went through before the loss');

  const killedAt = Date.now();
  await docker('kill', 'awstwin-db-primary');
  await sleep(6000);
  const during = checkouts.outcomes.filter((o) => o.at > killedAt + 2000);
  assert.ok(during.length > 0, 'checkouts were tried during the outage');
  assert.deepEqual(statusesOf(during), [503], `checkouts during the outage answer 503: ${JSON.stringify(tally(during).statuses)}`);
  const health = await exec(container('app-a1'), 'curl', '-s', '-w', ' %{http_code}', 'http://127.0.0.1:3000/healthz');
  assert.match(health, /"db":"read-only".* 503$/);

  // docs/scale-out.md, "Failing over", step 2, on db-replica.
  const promoted = await exec('awstwin-db-replica', 'bookstore-failover', 'promote');
  assert.match(promoted, /promoted db-replica/);
  const promotedAt = Date.now();
  await sleep(4000);
  const readOutcomes = await reads.stop();
  const attempts = await checkouts.stop();
  const afterPromote = attempts.filter((o) => o.at > promotedAt + 1500);
  assert.ok(afterPromote.length > 0, 'checkouts were tried after the promotion');
  assert.deepEqual(statusesOf(afterPromote), [302], `checkouts succeed after promote: ${JSON.stringify(tally(afterPromote).statuses)}`);
  assert.ok(!attempts.some((o) => o.status === 500 || o.status === -1), `no checkout answered 500 or lost its connection: ${attempts.find((o) => o.error)?.error ?? ''}`);
  assert.deepEqual(statusesOf(readOutcomes), [200], `every read answered 200: ${JSON.stringify(tally(readOutcomes).statuses)} ${readOutcomes.find((o) => o.error)?.error ?? ''}`);
  assert.deepEqual({ a: await appPid('app-a1'), b: await appPid('app-b1') }, pids, 'no app instance was restarted');
  assert.equal((await exec('awstwin-haproxy-b', 'aws', 'ssm', 'get-parameter', '--name', '/bookstore/topology/writer')).trim(), 'db-replica');

  // Every purchase a shopper saw confirmed is on the promoted server; no copy sold twice.
  const confirmed = attempts.filter((o) => o.status === 302).map((o) => o.purchaseId!);
  assert.equal(await sql('awstwin-db-replica', `SELECT COUNT(*) FROM bookstore.purchases WHERE id IN (${confirmed.join(',')})`), String(confirmed.length), `all ${confirmed.length} confirmed purchases survived the loss of the primary`);
  const stock = await sql(
    'awstwin-db-replica',
    `SELECT b.id, b.stock,
       (SELECT COALESCE(SUM(i.quantity), 0) FROM bookstore.book_reservation_items i JOIN bookstore.book_reservations r ON r.id = i.reservation_id WHERE i.book_id = b.id AND r.state <> 'released'),
       (SELECT COALESCE(SUM(p.quantity), 0) FROM bookstore.purchase_items p WHERE p.book_id = b.id)
     FROM bookstore.books b WHERE b.id IN (${books.join(',')})`,
  );
  for (const [id, left, reserved, sold] of stock.split('\n').map((l) => l.split('\t').map(Number))) {
    assert.equal(left! + reserved!, stockEach, `book ${id}: stock and what is reserved add up to what was listed`);
    assert.ok(sold! <= reserved!, `book ${id}: never sold more than was reserved`);
  }

  // The old primary comes back (EC2 start): systemd starts MariaDB read-only; nothing routes to it.
  await docker('start', 'awstwin-db-primary');
  let readOnly = '';
  for (let i = 0; i < 60 && readOnly !== '1'; i++) {
    readOnly = await sql('awstwin-db-primary', 'SELECT @@read_only').catch(() => '');
    if (readOnly !== '1') await sleep(2000);
  }
  assert.equal(readOnly, '1', 'the fenced old primary starts read-only');
  await exec('awstwin-haproxy-a', 'systemctl', 'reload', 'haproxy');
  assert.match(await exec('awstwin-haproxy-a', 'cat', '/etc/haproxy/haproxy.cfg'), /server db-primary 10\.0\.2\.10:3306 [^\n]* disabled\n/);
  await sleep(4000); // longer than HAProxy's rise 3 × inter 1s
  const more: number[] = [];
  for (let i = 0; i < 4; i++) {
    const bought = await buyOne(buyers[i]!, books[i]!);
    assert.equal(bought.status, 302, 'checkouts go on after the old primary is back');
    more.push(bought.purchaseId!);
  }
  await sleep(1500);
  assert.equal(await sql('awstwin-db-primary', `SELECT COUNT(*) FROM bookstore.purchases WHERE id IN (${more.join(',')})`), '0', 'the old primary took no write');
  for (const s of [seller, ...buyers]) s.close();
  const all = [...attempts];
  return {
    checkouts: tally(all).statuses,
    duringOutage: tally(during).statuses,
    afterPromote: tally(afterPromote).statuses,
    reads: tally(readOutcomes).statuses,
    confirmedKept: `${confirmed.length}/${confirmed.length}`,
  };
}
