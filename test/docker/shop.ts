// A shopper's journey over HTTPS, for the compose stacks (monolith behind nginx, the three services
// behind their gateway). Browser-like clients: a cookie jar of their own (superagent's drops the Secure
// __Host- cookie on this host), the CSRF token scraped from each form, English pages.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ADDRESS, checkoutTokenFrom, GOOD_CARD } from '../helpers/orders.js';
import { jpeg } from '../helpers/books.js';
import { csrfFrom, PASSWORD, uniqueEmail } from '../helpers/users.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the stacks serve a self-signed certificate for localhost

/** Where each page lives: the monolith's paths, or the services' behind their prefixes. */
export interface Layout {
  register: string;
  addBook: string;
  catalog: string;
  sales: string;
  book(id: number): string;
  buy(id: number): string;
}
export const MONOLITH: Layout = {
  register: '/register',
  addBook: '/book/add_book',
  catalog: '/book/catalog',
  sales: '/sales',
  book: (id) => `/book/${id}`,
  buy: (id) => `/buy/${id}`,
};
export const SERVICES: Layout = {
  register: '/auth/register',
  addBook: '/book/add_book',
  catalog: '/book/catalog',
  sales: '/order/sales',
  book: (id) => `/book/${id}`,
  buy: (id) => `/order/buy/${id}`,
};

export { client, type Client } from '../helpers/cookie-client.js';
import { client, type Client } from '../helpers/cookie-client.js';

export class Shop {
  constructor(
    readonly base: string,
    readonly layout: Layout,
  ) {}

  async register(name: string): Promise<Client> {
    const c = client(this.base);
    const form = await c.get(this.layout.register);
    assert.equal(form.status, 200, `register page: ${form.status}`);
    const res = await c.post(this.layout.register).type('form').send({ _csrf: csrfFrom(form.text), name, email: uniqueEmail(name.toLowerCase()), password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(res.status, 302, res.text.slice(0, 300));
    return c;
  }

  /** Lists a book with a JPEG cover; returns its id. */
  async publish(seller: Client, title: string): Promise<number> {
    const form = await seller.get(this.layout.addBook);
    const res = await seller
      .post(this.layout.addBook)
      .field('_csrf', csrfFrom(form.text))
      .field({ title, author: 'Octavia E. Butler', isbn: '', description: 'A used copy.', condition: 'good', price: '12.50', stock: '5' })
      .attach('cover', await jpeg(), { filename: 'cover.jpg', contentType: 'image/jpeg' });
    assert.equal(res.status, 302, res.text.slice(0, 300));
    const id = /\/book\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
    assert.ok(id, `listed, then sent to ${res.headers.location}`);
    return Number(id);
  }

  /** Buys one copy, chooses the first carrier with a new address, pays; returns the purchase page's path. */
  async buy(buyer: Client, bookId: number): Promise<string> {
    const page = await buyer.get(this.layout.book(bookId));
    assert.equal(page.status, 200);
    const bought = await buyer.post(this.layout.buy(bookId)).type('form').send({ _csrf: csrfFrom(page.text), quantity: '1', checkout_token: checkoutTokenFrom(page.text) });
    assert.equal(bought.status, 302, bought.text.slice(0, 300));
    const deliveryPath = bought.headers.location ?? '';
    assert.match(deliveryPath, /\/delivery\/\d+$/);
    const delivery = await buyer.get(deliveryPath);
    const provider = /name="provider_id" value="(\d+)"/.exec(delivery.text)?.[1];
    assert.ok(provider, 'a carrier to choose');
    const preselected = /name="address_id" value="(\d+)" checked/.exec(delivery.text)?.[1];
    const address = preselected ? { address_id: preselected } : { address_id: 'new', ...ADDRESS };
    const chosen = await buyer.post(deliveryPath).type('form').send({ _csrf: csrfFrom(delivery.text), provider_id: provider, ...address });
    assert.equal(chosen.status, 302, chosen.text.slice(0, 300));
    const paymentPath = chosen.headers.location ?? '';
    assert.match(paymentPath, /\/payment\/\d+$/);
    const payment = await buyer.get(paymentPath);
    const paid = await buyer.post(paymentPath).type('form').send({ _csrf: csrfFrom(payment.text), ...GOOD_CARD });
    assert.equal(paid.status, 302, paid.text.slice(0, 300));
    const receipt = paid.headers.location ?? '';
    assert.match(receipt, /\/purchases\/\d+$/);
    return receipt;
  }

  /**
   * The journey: a seller lists a book with a cover (served back as WebP), another account buys it,
   * chooses a delivery to an address and pays; the seller sees the sale with that address.
   */
  async journey(): Promise<{ seller: Client; buyer: Client; bookId: number; title: string }> {
    const seller = await this.register('Ada');
    const title = `Kindred ${randomUUID().slice(0, 8)}`;
    const bookId = await this.publish(seller, title);
    const page = await client(this.base).get(this.layout.book(bookId));
    assert.equal(page.status, 200);
    const cover = /src="([^"]*\/uploads\/covers\/[^"]+\.webp)"/.exec(page.text)?.[1];
    assert.ok(cover, 'the book page shows its cover');
    const image = await client(this.base).get(cover);
    assert.equal(image.status, 200);
    assert.equal(image.headers['content-type'], 'image/webp');

    const buyer = await this.register('Cleo');
    const receipt = await this.buy(buyer, bookId);
    const purchase = await buyer.get(receipt);
    assert.equal(purchase.status, 200);
    assert.match(purchase.text, /Calle 10 # 43-12/, 'the buyer sees where it ships');
    const sales = await seller.get(this.layout.sales);
    assert.equal(sales.status, 200);
    assert.ok(sales.text.includes(title), 'the seller sees the sale');
    assert.match(sales.text, /Calle 10 # 43-12/, 'with the address to ship to');
    return { seller, buyer, bookId, title };
  }
}
