// The scale-out journeys through the ALB stand-in, with both app instances in service: TLS and the
// redirect, the forwarded protocol trusted (a Secure session cookie), one shop whichever instance
// answers: a shopper logged in on both, a cover uploaded through one served by the other (EFS), a
// purchase made on one listed by the other; the first admin made with the documented command.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ELB_IP } from '../elb.ts';
import { type Answer, buyOne, instanceOf, png, publishBook, register, Shopper } from '../shopper.ts';
import { BASE, container, exec, sql, type Stack } from '../topology.ts';

/** GETs the path until another instance than `not` answers it (round robin: the next, or the one after). */
async function fromTheOtherInstance(shopper: Shopper, path: string, not: string): Promise<Answer> {
  for (let i = 0; i < 6; i++) {
    const res = await shopper.get(path);
    if (instanceOf(res) !== not) return res;
  }
  throw new Error(`${path} was always answered by ${not}`);
}

const plainHttp = (path: string) =>
  new Promise<{ status: number; location?: string }>((resolve, reject) => {
    request({ host: ELB_IP, port: 80, path }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, location: res.headers.location });
    })
      .on('error', reject)
      .end();
  });

export async function tlsAndForwardedHeaders(stack: Stack) {
  const http = await plainHttp('/book/catalog?q=dune');
  assert.equal(http.status, stack.alb.redirect.code);
  assert.equal(http.location, `${BASE}/book/catalog?q=dune`);
  const page = await new Shopper(BASE, stack.ca).get('/register');
  assert.equal(page.status, 200);
  // A production session cookie is Secure: the app set it because it trusts the ALB's X-Forwarded-Proto.
  const cookie = String(page.headers['set-cookie'] ?? '');
  assert.match(cookie, /Secure/);
  assert.match(cookie, /HttpOnly/);
}

export async function oneShopOnBothInstances(stack: Stack) {
  const seller = await register(BASE, stack.ca, 'Sara Seller');
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const account = await seller.get('/account');
    assert.equal(account.status, 200, 'still logged in');
    assert.match(account.text, /Sara Seller/);
    seen.add(instanceOf(account));
  }
  assert.deepEqual([...seen].sort(), ['i-awstwin-app-a1', 'i-awstwin-app-b1'], 'the requests landed on both instances');

  const book = await publishBook(seller, { title: 'Parable of the Sower', price: '14.00', stock: '3' }, png(300, 450));
  const page = await seller.get(`/book/${book.id}`);
  const coverUrl = /<img src="(\/uploads\/[^"]+)"/.exec(page.text)?.[1];
  assert.ok(coverUrl, 'the book page shows the uploaded cover');
  const image = await fromTheOtherInstance(new Shopper(BASE, stack.ca), coverUrl, book.instance);
  assert.equal(image.status, 200, `the cover uploaded through ${book.instance} is served by ${instanceOf(image)}`);
  assert.match(String(image.headers['content-type']), /^image\//);
  assert.ok(Number(image.headers['content-length']) > 100, 'the image has its bytes');
  // On the shared file system the cover belongs to the app user's fixed uid and gid (app.sh), as
  // seen from both instances, so an instance booted later can read and replace it.
  const file = `/srv/bookstore/uploads/${coverUrl.replace(/^\/uploads\//, '')}`;
  for (const app of ['app-a1', 'app-b1']) assert.equal((await exec(container(app), 'stat', '-c', '%u:%g', file)).trim(), '2000:2000', `${file} on ${app}`);

  const buyer = await register(BASE, stack.ca, 'Bruno Buyer');
  const bought = await buyOne(buyer, book.id);
  assert.equal(bought.status, 302);
  assert.ok(bought.purchaseId);
  const purchases = await fromTheOtherInstance(buyer, '/purchases', bought.instance);
  assert.equal(purchases.status, 200);
  assert.match(purchases.text, /Parable of the Sower/);
  for (const s of [seller, buyer]) s.close();
  return { loggedInOn: [...seen].sort(), coverUploadedVia: book.instance, coverServedBy: instanceOf(image), boughtVia: bought.instance, listedBy: instanceOf(purchases) };
}

/** docs/scale-out.md, "Deploy", step 6, on one app instance (as root, what `sudo bash -c` gives). */
export async function firstAdmin(stack: Stack) {
  const shopper = await register(BASE, stack.ca, 'Ada Admin');
  shopper.close();
  const command = `set -a; . /etc/bookstore/app.env; cd /opt/bookstore/current && runuser -u bookstore -- bin/node dist/accounts/make-admin.cli.js ${shopper.email}`;
  assert.match(await exec(container('app-a1'), 'bash', '-c', command), /is now an admin/);
  assert.equal(await sql('awstwin-db-primary', `SELECT role FROM bookstore.users WHERE email = '${shopper.email}'`), 'admin');
}
