// A shopper through the front proxy, as in test/services/journey.services.ts (the shared cookie-keeping
// client, English pages): registering, publishing and the buy-now checkout as the forms do it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { client, type Client } from '../helpers/cookie-client.js';
import { jpeg } from '../helpers/books.js';
import { ADDRESS, GOOD_CARD } from '../helpers/orders.js';
import { csrfFrom, PASSWORD, uniqueEmail } from '../helpers/users.js';

type Request = ReturnType<Agent['get']>;
/** A shopper's browser: the shared cookie-keeping client (test/helpers/cookie-client.ts). */
export type Agent = Client;
export const agent = client;

export async function register(base: string, name: string): Promise<{ agent: Agent; email: string }> {
  const a = agent(base);
  const email = uniqueEmail(name.toLowerCase());
  const form = await a.get('/auth/register');
  const res = await a.post('/auth/register').type('form').send({ _csrf: csrfFrom(form.text), name, email, password: PASSWORD, password_confirm: PASSWORD });
  assert.equal(res.status, 302, res.text.slice(0, 300));
  assert.equal(res.headers.location, '/book/catalog');
  return { agent: a, email };
}

export async function publish(seller: Agent, title: string, stock = 3): Promise<number> {
  const form = await seller.get('/book/add_book');
  const res = await seller
    .post('/book/add_book')
    .field('_csrf', csrfFrom(form.text))
    .field({ title, author: 'Octavia E. Butler', isbn: '', description: 'A used copy.', condition: 'good', price: '12.50', stock: String(stock) })
    .attach('cover', await jpeg(), { filename: 'cover.jpg', contentType: 'image/jpeg' });
  assert.equal(res.status, 302, res.text.slice(0, 300));
  const id = /^\/book\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
  assert.ok(id, `publishing went to ${res.headers.location}`);
  return Number(id);
}

/** Every answer a step got, and whether it was the one the step expects. */
export interface Tally {
  requests: number;
  failed: { step: string; status: number | string }[];
}

/**
 * Buy now, delivery (the address book's default, or a new address), pay: the purchase id once paid,
 * or undefined when a step answered anything but what it should (recorded in the tally).
 */
export async function checkout(buyer: Agent, bookId: number, tally: Tally, token = randomUUID()): Promise<{ id?: number; token: string }> {
  const step = async (name: string, req: Request, expect: number) => {
    tally.requests += 1;
    try {
      const res = await req;
      if (res.status !== expect) tally.failed.push({ step: name, status: res.status });
      return res.status === expect ? res : undefined;
    } catch (err) {
      tally.failed.push({ step: name, status: (err as Error).message });
      return undefined;
    }
  };
  const page = await step('book page', buyer.get(`/book/${bookId}`), 200);
  if (!page) return { token };
  const bought = await step('buy', buyer.post(`/order/buy/${bookId}`).type('form').send({ _csrf: csrfFrom(page.text), quantity: '1', checkout_token: token }), 302);
  const id = /^\/order\/delivery\/(\d+)$/.exec(bought?.headers.location ?? '')?.[1];
  if (!id) return { token };
  const delivery = await step('delivery page', buyer.get(`/order/delivery/${id}`), 200);
  if (!delivery) return { token };
  const provider = /name="provider_id" value="(\d+)"/.exec(delivery.text)?.[1] ?? '';
  const address = /name="address_id" value="(\w+)" checked/.exec(delivery.text)?.[1] ?? 'new';
  const shipTo = address === 'new' ? { address_id: 'new', ...ADDRESS } : { address_id: address };
  const chosen = await step('delivery', buyer.post(`/order/delivery/${id}`).type('form').send({ _csrf: csrfFrom(delivery.text), provider_id: provider, ...shipTo }), 302);
  if (!chosen) return { token };
  const paid = await step('payment', buyer.post(`/order/payment/${id}`).type('form').send({ _csrf: csrfFrom(delivery.text), ...GOOD_CARD }), 302);
  return { id: paid ? Number(id) : undefined, token };
}
