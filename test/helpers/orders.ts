// Fixtures and steps for the buying tests: books listed through catalog's repo, the checkout through HTTP.
import { randomUUID } from 'node:crypto';
import type supertest from 'supertest';
import { usersByIds } from '../../src/accounts/accounts.service.js';
import { insertBook, unlistBook } from '../../src/catalog/catalog.repo.js';
import type { Pool, RowDataPacket } from '../../src/db/pool.js';
import { csrfFrom } from './users.js';

type Agent = ReturnType<typeof supertest.agent>;

export const GOOD_CARD = { method: 'credit_card', card_number: '4242 4242 4242 4242', card_expiry: '12/39', card_cvv: '123' };
export const DECLINED_CARD = { ...GOOD_CARD, card_number: '4000 0000 0000 0002' };

export async function createBook(
  pool: Pool,
  sellerId: number,
  opts: { title?: string; author?: string; priceCents?: number; stock?: number; listed?: boolean } = {},
): Promise<number> {
  const [seller] = await usersByIds(pool, [sellerId]);
  if (!seller) throw new Error(`no account ${sellerId}`);
  const fields = {
    title: opts.title ?? 'The Left Hand of Darkness',
    author: opts.author ?? 'Ursula K. Le Guin',
    isbn: null,
    description: 'A well-kept copy.',
    condition: 'good' as const,
    priceCents: opts.priceCents ?? 1250,
    stock: opts.stock ?? 1,
  };
  const id = await insertBook(pool, seller, fields, null);
  if (opts.listed === false) await unlistBook(pool, id);
  return id;
}

export async function stockOf(pool: Pool, bookId: number): Promise<number> {
  const [rows] = await pool.execute<RowDataPacket[]>('SELECT stock FROM books WHERE id = ?', [bookId]);
  return Number(rows[0]?.stock);
}

export async function purchaseRow(pool: Pool, id: number) {
  const [rows] = await pool.execute<RowDataPacket[]>(
    'SELECT id, buyer_id, status, items_cents, shipping_cents, total_cents, expires_at, paid_at FROM purchases WHERE id = ?',
    [id],
  );
  return rows[0];
}

export async function count(pool: Pool, table: 'purchases' | 'payments' | 'purchase_items' | 'deliveries' | 'delivery_events' | 'refunds' | 'order_outbox' | 'claims' | 'claim_photos', where = '1 = 1', params: (string | number)[] = []) {
  // Test-only helper; `table` and `where` come from the tests themselves.
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM ' + table + ' WHERE ' + where, params);
  return Number(rows[0]?.n);
}

/** The hidden checkout token of the first buy or checkout form on a page. */
export function checkoutTokenFrom(html: string): string {
  const match = /name="checkout_token" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no checkout_token on the page');
  return match[1];
}

/** A CSRF token for the agent's session without rendering a heavy page. */
export async function csrfOf(agent: Agent): Promise<string> {
  const res = await agent.get('/track');
  return csrfFrom(res.text);
}

/** POST /buy/:id with a fresh checkout token; returns the response (302 to /delivery/:id on success). */
export async function buyNow(agent: Agent, bookId: number, fields: Record<string, string> = {}, csrf?: string) {
  const token = csrf ?? (await csrfOf(agent));
  return agent.post(`/buy/${bookId}`).type('form').send({ _csrf: token, quantity: '1', checkout_token: randomUUID(), ...fields });
}

export function purchaseIdFrom(location: string | undefined): number {
  const match = /^\/(?:delivery|payment|purchases)\/(\d+)$/.exec(location ?? '');
  if (!match) throw new Error(`not a purchase redirect: ${location}`);
  return Number(match[1]);
}

export async function providerIds(pool: Pool): Promise<{ id: number; name: string; costCents: number }[]> {
  const [rows] = await pool.execute<RowDataPacket[]>('SELECT id, name, cost_cents FROM delivery_providers WHERE retired_at IS NULL ORDER BY id');
  return rows.map((r) => ({ id: r.id as number, name: r.name as string, costCents: r.cost_cents as number }));
}

/** A valid shipping address, as the form posts it. */
export const ADDRESS = {
  recipient: 'Bea Buyer',
  line1: 'Calle 10 # 43-12',
  line2: 'Apto 501',
  city: 'Medellín',
  region: 'Antioquia',
  postal_code: '050021',
  country: 'CO',
  phone: '+57 300 123 4567',
};

/**
 * Posts the delivery form as a shopper would: the address the page preselects (their default), or a
 * new one when they have none; `extra` overrides any field.
 */
export async function chooseDelivery(agent: Agent, purchaseId: number, providerId: number, extra: Record<string, string> = {}) {
  const page = await agent.get(`/delivery/${purchaseId}`);
  const csrf = page.status === 200 ? csrfFrom(page.text) : await csrfOf(agent);
  const preselected = /name="address_id" value="(\d+)" checked/.exec(page.text)?.[1];
  const address = preselected ? { address_id: preselected } : { address_id: 'new', ...ADDRESS };
  return agent.post(`/delivery/${purchaseId}`).type('form').send({ _csrf: csrf, provider_id: String(providerId), ...address, ...extra });
}

export async function pay(agent: Agent, purchaseId: number, fields: Record<string, string> = GOOD_CARD) {
  return agent.post(`/payment/${purchaseId}`).type('form').send({ _csrf: await csrfOf(agent), ...fields });
}

/** buy → delivery → payment for one book; returns the purchase id. */
export async function buyAndPay(agent: Agent, bookId: number, providerId: number): Promise<number> {
  const bought = await buyNow(agent, bookId);
  if (bought.status !== 302) throw new Error(`buy failed: ${bought.status}`);
  const id = purchaseIdFrom(bought.headers.location);
  const chosen = await chooseDelivery(agent, id, providerId);
  if (chosen.status !== 302) throw new Error(`delivery failed: ${chosen.status}`);
  const paid = await pay(agent, id);
  if (paid.status !== 302) throw new Error(`payment failed: ${paid.status} ${paid.text.slice(0, 200)}`);
  return id;
}

/** Puts these books in the agent's cart and checks it out; returns the pending purchase's id. */
export async function checkoutCart(agent: Agent, bookIds: number[]): Promise<number> {
  const csrf = await csrfOf(agent);
  for (const bookId of bookIds) {
    const added = await agent.post('/cart/add').type('form').send({ _csrf: csrf, book_id: String(bookId), quantity: '1' });
    if (added.status !== 302) throw new Error(`cart add failed: ${added.status}`);
  }
  const cart = await agent.get('/cart');
  const checkout = await agent.post('/cart/checkout').type('form').send({ _csrf: csrf, checkout_token: checkoutTokenFrom(cart.text) });
  if (checkout.status !== 302) throw new Error(`checkout failed: ${checkout.status}`);
  return purchaseIdFrom(checkout.headers.location);
}

/** The parcels of a purchase as the database holds them, in id order. */
export async function parcelRows(pool: Pool, purchaseId: number) {
  const [rows] = await pool.execute<RowDataPacket[]>(
    'SELECT id, seller_id, provider_id, status, cost_cents, tracking_number, shipped_at FROM deliveries WHERE purchase_id = ? ORDER BY id',
    [purchaseId],
  );
  return rows.map((r) => ({ ...r }) as { id: number; seller_id: number | null; provider_id: number; status: string; cost_cents: number; tracking_number: string | null; shipped_at: Date | null });
}
