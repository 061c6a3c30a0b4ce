// Claims within the legal window (issue 27, item 4): opened by the buyer on a delivered parcel for
// CLAIM_BUSINESS_DAYS; the seller accepts (a refund) or answers once; disputed or unanswered claims go
// to an admin, who decides with a reason both see; one open claim per parcel; every change one
// conditional statement, so two clicks or two admins never refund twice; stock back only when the
// seller marks the returned books received. Through HTTP against the real database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { advanceDeliveries } from '../../src/orders/deliveries.service.js';
import { computeSellerStats } from '../../src/orders/seller-stats.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyAndPay, count, createBook, csrfOf, parcelRows, providerIds, stockOf } from '../helpers/orders.js';
import { loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ DELIVERY_SPEEDUP: '3600' });
});
after(() => t.close());

type Agent = Awaited<ReturnType<typeof loggedInAgent>>['agent'];
const post = async (agent: Agent, path: string, fields: Record<string, string> = {}) => agent.post(path).type('form').send({ _csrf: await csrfOf(agent), ...fields });

async function refunds(purchaseId: number) {
  const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT cause, cause_key, items_cents, shipping_cents, amount_cents FROM refunds WHERE purchase_id = ? ORDER BY id', [purchaseId]);
  return rows.map((r) => ({ ...r }));
}

/** A one-seller purchase (a $12.50 book), paid, shipped and delivered. */
async function delivered() {
  const seller = await loggedInAgent(t, { name: 'Sam Seller' });
  const buyer = await loggedInAgent(t, { name: 'Bea Buyer' });
  const book = await createBook(t.pool, seller.user.id, { title: 'Kindred', priceCents: 1250, stock: 2 });
  const [provider] = await providerIds(t.pool);
  const purchaseId = await buyAndPay(buyer.agent, book, provider!.id);
  assert.equal((await post(seller.agent, `/sales/${purchaseId}/ship`)).status, 302);
  await advanceDeliveries(t.pool, 3600, new Date(Date.now() + 60_000));
  await advanceDeliveries(t.pool, 3600, new Date(Date.now() + 600_000));
  const [parcel] = await parcelRows(t.pool, purchaseId);
  assert.equal(parcel!.status, 'delivered');
  return { seller, buyer, book, purchaseId, parcelId: parcel!.id, shipping: provider!.costCents };
}

async function openClaim(d: Awaited<ReturnType<typeof delivered>>, reason = 'damaged'): Promise<number> {
  const res = await post(d.buyer.agent, `/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`, { reason, message: 'The cover was torn in half.' });
  assert.equal(res.status, 302, res.text.slice(0, 300));
  const id = Number(/\/claims\/(\d+)$/.exec(res.headers.location ?? '')?.[1]);
  assert.ok(id > 0);
  return id;
}

describe('claims', () => {
  test('the buyer opens one (bad input changes nothing); one open claim per parcel; the seller accepts: books and shipping refunded once, stock back when the books arrive', async () => {
    const d = await delivered();
    const page = await d.buyer.agent.get(`/purchases/${d.purchaseId}`);
    assert.match(page.text, /Open a claim/);
    const form = await d.buyer.agent.get(`/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`);
    assert.equal(form.status, 200);
    assert.match(form.text, /Changed my mind/);
    assert.match((await d.buyer.agent.get(`/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`).set('Accept-Language', 'es-CO')).text, /Cambié de opinión/);

    const bad = await post(d.buyer.agent, `/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`, { reason: 'bored', message: 'short' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Choose what went wrong/);
    assert.match(bad.text, /at least 10 characters/);
    assert.equal(await count(t.pool, 'claims', 'delivery_id = ?', [d.parcelId]), 0);

    const claimId = await openClaim(d);
    const again = await post(d.buyer.agent, `/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`, { reason: 'wrong_book', message: 'And it is the wrong book.' });
    assert.equal(again.status, 409);
    assert.match(again.text, /already has an open claim/);
    assert.equal(await count(t.pool, 'order_outbox', 'template = ? AND recipient_user_id = ?', ['claim_update', d.seller.user.id]), 1, 'the seller is told');

    // Someone else sees nothing; the seller sees it on /sales and accepts, twice at once.
    const stranger = await loggedInAgent(t);
    assert.equal((await stranger.agent.get(`/sales/claims/${claimId}`)).status, 404);
    assert.equal((await post(stranger.agent, `/sales/claims/${claimId}/accept`)).status, 404);
    assert.match((await d.seller.agent.get('/sales')).text, new RegExp(`Claim #${claimId}`));
    const claimPage = await d.seller.agent.get(`/sales/claims/${claimId}`);
    assert.match(claimPage.text, /The cover was torn in half\./);
    const [c1, c2] = await Promise.all([csrfOf(d.seller.agent), csrfOf(d.seller.agent)]);
    const answers = await Promise.all([
      d.seller.agent.post(`/sales/claims/${claimId}/accept`).type('form').send({ _csrf: c1 }),
      d.seller.agent.post(`/sales/claims/${claimId}/accept`).type('form').send({ _csrf: c2 }),
    ]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [302, 409]);
    assert.deepEqual(await refunds(d.purchaseId), [{ cause: 'claim', cause_key: `claim:${claimId}`, items_cents: 1250, shipping_cents: d.shipping, amount_cents: 1250 + d.shipping }]);
    assert.match((await d.buyer.agent.get(`/purchases/${d.purchaseId}/claims/${claimId}`)).text, /Accepted and refunded/);
    assert.match((await d.buyer.agent.get(`/purchases/${d.purchaseId}`)).text, /refunded/);

    // The stock comes back only when the seller says the books arrived, and once.
    assert.equal(await stockOf(t.pool, d.book), 1);
    assert.equal((await post(d.seller.agent, `/sales/claims/${claimId}/received`)).status, 302);
    assert.equal(await stockOf(t.pool, d.book), 2);
    assert.equal((await post(d.seller.agent, `/sales/claims/${claimId}/received`)).status, 409);
    assert.equal(await stockOf(t.pool, d.book), 2);

    // A refunded claim at the seller's fault counts against their record.
    const [stats] = await computeSellerStats(t.pool, [d.seller.user.id]);
    assert.equal(stats!.completedPermille, 0);
  });

  test('"changed my mind" refunds the books only; past the window no claim can be opened', async () => {
    const d = await delivered();
    const claimId = await openClaim(d, 'changed_mind');
    assert.equal((await post(d.seller.agent, `/sales/claims/${claimId}/accept`)).status, 302);
    assert.deepEqual((await refunds(d.purchaseId)).map((r) => [Number(r.items_cents), Number(r.shipping_cents)]), [[1250, 0]]);
    const [stats] = await computeSellerStats(t.pool, [d.seller.user.id]);
    assert.equal(stats!.completedPermille, 1000, 'not the seller\'s fault');

    const late = await delivered();
    await t.pool.execute('UPDATE deliveries SET delivered_at = DATE_SUB(delivered_at, INTERVAL 10 DAY) WHERE id = ?', [late.parcelId]);
    assert.doesNotMatch((await late.buyer.agent.get(`/purchases/${late.purchaseId}`)).text, /Open a claim/);
    const refused = await post(late.buyer.agent, `/purchases/${late.purchaseId}/parcels/${late.parcelId}/claim`, { reason: 'damaged', message: 'The cover was torn in half.' });
    assert.equal(refused.status, 409);
    assert.match(refused.text, /has passed \(5 business days after delivery\)/);
  });

  test('answered, disputed, decided by an admin (two at once: one decision, one refund), with a reason both see; an unanswered claim reaches the admin after 3 business days', async () => {
    const d = await delivered();
    const claimId = await openClaim(d, 'not_as_described');
    const admin = await loggedInAgent(t, { role: 'admin' });
    const admin2 = await loggedInAgent(t, { role: 'admin' });
    assert.equal((await post(admin.agent, `/admin/claims/${claimId}/decide`, { decision: 'full', reason: 'Too early to decide.' })).status, 409, 'the seller may still answer');

    const blank = await post(d.seller.agent, `/sales/claims/${claimId}/answer`, { message: '' });
    assert.equal(blank.status, 422);
    assert.equal((await post(d.seller.agent, `/sales/claims/${claimId}/answer`, { message: 'It was exactly as described.' })).status, 302);
    assert.equal((await post(d.seller.agent, `/sales/claims/${claimId}/answer`, { message: 'And once more.' })).status, 409, 'answered once');
    assert.equal((await post(d.buyer.agent, `/purchases/${d.purchaseId}/claims/${claimId}/dispute`)).status, 302);
    assert.match((await admin.agent.get('/admin/claims')).text, new RegExp(`Claim #${claimId}`));

    const noAmount = await post(admin.agent, `/admin/claims/${claimId}/decide`, { decision: 'partial', amount: '', reason: 'Half the price back.' });
    assert.equal(noAmount.status, 422);
    const [a1, a2] = await Promise.all([csrfOf(admin.agent), csrfOf(admin2.agent)]);
    const decided = await Promise.all([
      admin.agent.post(`/admin/claims/${claimId}/decide`).type('form').send({ _csrf: a1, decision: 'partial', amount: '6.00', reason: 'The photos show a worn spine.' }),
      admin2.agent.post(`/admin/claims/${claimId}/decide`).type('form').send({ _csrf: a2, decision: 'full', reason: 'Everything back.' }),
    ]);
    assert.deepEqual(decided.map((r) => r.status).sort(), [302, 409]);
    const rows = await refunds(d.purchaseId);
    assert.equal(rows.length, 1);
    const [claim] = await t.pool.execute<RowDataPacket[]>('SELECT status, decision, decision_reason, refund_cents FROM claims WHERE id = ?', [claimId]);
    assert.equal(claim[0]!.status, 'decided');
    assert.equal(Number(rows[0]!.amount_cents), claim[0]!.refund_cents);
    const reason = String(claim[0]!.decision_reason);
    assert.ok((await d.buyer.agent.get(`/purchases/${d.purchaseId}/claims/${claimId}`)).text.includes(reason));
    assert.ok((await d.seller.agent.get(`/sales/claims/${claimId}`)).text.includes(reason));

    // Unanswered for 3 business days: the admin may decide (here: no refund).
    const quiet = await delivered();
    const quietId = await openClaim(quiet, 'not_received');
    await t.pool.execute('UPDATE claims SET respond_by = DATE_SUB(UTC_TIMESTAMP(), INTERVAL 1 MINUTE) WHERE id = ?', [quietId]);
    assert.equal((await post(admin.agent, `/admin/claims/${quietId}/decide`, { decision: 'none', reason: 'The carrier confirms delivery.' })).status, 302);
    assert.equal((await refunds(quiet.purchaseId)).length, 0);
    assert.equal((await post(quiet.seller.agent, `/sales/claims/${quietId}/accept`)).status, 409, 'decided: the seller can no longer accept');
  });

  test('the API: open a claim with an Idempotency-Key (a retry replays it), the seller answers; not the buyer: 403', async () => {
    const d = await delivered();
    const login = async (email: string) => ({ Authorization: `Bearer ${((await t.agent().post('/api/login').send({ email, password: 'correct horse battery staple' })).body as { token: string }).token}` });
    const buyerAuth = await login(d.buyer.user.email);
    const open = () =>
      t.agent().post(`/api/purchases/${d.purchaseId}/parcels/${d.parcelId}/claims`).set(buyerAuth).set('Idempotency-Key', `claim-parcel-${d.parcelId}`).send({ reason: 'wrong_book', message: 'This is not the book I bought.' });
    const first = await open();
    assert.equal(first.status, 201, first.text);
    const claimId = (first.body as { claim: { id: number; status: string } }).claim.id;
    const replay = await open();
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(await count(t.pool, 'claims', 'delivery_id = ?', [d.parcelId]), 1);
    const sellerAuth = await login(d.seller.user.email);
    assert.equal((await t.agent().post(`/api/purchases/${d.purchaseId}/parcels/${d.parcelId}/claims`).set(sellerAuth).send({ reason: 'damaged', message: 'Not my purchase at all.' })).status, 403);
    const answered = await t.agent().post(`/api/claims/${claimId}/answer`).set(sellerAuth).send({ message: 'I sent the right one.' });
    assert.equal(answered.status, 200, answered.text);
    assert.equal((answered.body as { claim: { status: string } }).claim.status, 'answered');
    const detail = await t.agent().get(`/api/purchases/${d.purchaseId}`).set(buyerAuth);
    assert.deepEqual((detail.body as { purchase: { claims: { id: number; sellerAnswer: string }[] } }).purchase.claims.map((c) => [c.id, c.sellerAnswer]), [[claimId, 'I sent the right one.']]);
  });
});
