import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, UnsecuredJWT } from 'jose';
import { issueToken, JWT_AUDIENCE, JWT_ISSUER } from '../../src/api/jwt.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bookRow, countBooks, insertBook } from '../helpers/books.js';
import { createUser, loggedInAgent, PASSWORD } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ LOGIN_MAX_FAILURES: '3' });
});
after(() => t.close());

const book = {
  title: 'Kindred',
  author: 'Octavia E. Butler',
  isbn: '978-0-8070-8369-7',
  description: 'First edition paperback.',
  condition: 'good',
  price: '14.00',
  stock: 3,
};

async function tokenFor(email: string): Promise<string> {
  const res = await t.agent().post('/api/login').send({ email, password: PASSWORD });
  assert.equal(res.status, 200, res.text);
  assert.equal(typeof body(res).token, 'string');
  return body(res).token;
}

async function seller() {
  const user = await createUser(t.pool);
  return { user, token: await tokenFor(user.email) };
}

interface ApiBook {
  id: number;
  title: string;
  price: string;
  priceCents: number;
  isbn: string | null;
  seller: { id: number; name: string };
}
/** The JSON shapes the API answers with (fields absent from a given answer are simply unused). */
interface ApiBody {
  token: string;
  expiresIn: number;
  book: ApiBook;
  books: ApiBook[];
  outcome: string;
  requestId: string;
  error: { status: number; message: string; fields: Record<string, string> };
}
const body = (res: { body: unknown }) => res.body as ApiBody;

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const secret = () => new TextEncoder().encode(t.config.jwtSecret);

describe('books API: authentication', () => {
  test('POST /api/login returns a one-hour HS256 token; wrong credentials get 401 without saying which', async () => {
    const user = await createUser(t.pool);
    const ok = await t.agent().post('/api/login').send({ email: user.email.toUpperCase(), password: PASSWORD });
    assert.equal(ok.status, 200);
    assert.equal(body(ok).expiresIn, 3600);
    assert.equal(ok.headers['set-cookie'], undefined, 'no session cookie');
    const [header, payload] = body(ok).token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    assert.equal(header?.alg, 'HS256');
    assert.equal(Number(payload?.exp) - Number(payload?.iat), 3600);
    const wrong = await t.agent().post('/api/login').send({ email: user.email, password: 'not the password at all' });
    const unknown = await t.agent().post('/api/login').send({ email: 'nobody@example.com', password: 'not the password at all' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(body(wrong).error.message, body(unknown).error.message);
    assert.ok(!t.logs.join('').includes('not the password at all'), 'passwords never reach the log');
  });

  test('the login limit applies to /api/login', async () => {
    const user = await createUser(t.pool);
    for (let i = 0; i < 3; i++) await t.agent().post('/api/login').send({ email: user.email, password: 'wrong password number x' });
    const res = await t.agent().post('/api/login').send({ email: user.email, password: PASSWORD });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers['retry-after']) > 0);
  });

  test('missing, malformed, forged, alg:none, expired and wrong-audience tokens get 401', async () => {
    const { user } = await seller();
    const id = await insertBook(t.pool, user.id);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sv: 1 };
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789'));
    const none = new UnsecuredJWT(claims).setSubject(String(user.id)).setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setIssuedAt().setExpirationTime('1h').encode();
    const expired = await issueToken(t.config, { id: user.id, sessionVersion: 1 }, new Date(Date.now() - 2 * 3600_000));
    const audience = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer(JWT_ISSUER).setAudience('someone-else').setIssuedAt(now).setExpirationTime(now + 600).sign(secret());
    const noExpiry = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).sign(secret());
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).setSubject(String(user.id)).setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setExpirationTime('1h').sign(new TextEncoder().encode(t.config.jwtSecret.repeat(2)));
    const cases: [string, Record<string, string>][] = [
      ['no header', {}],
      ['not bearer', { Authorization: 'Basic dXNlcjpwYXNz' }],
      ['garbage', bearer('not.a.token')],
      ['forged', bearer(forged)],
      ['alg none', bearer(none)],
      ['expired', bearer(expired)],
      ['wrong audience', bearer(audience)],
      ['no expiry', bearer(noExpiry)],
      ['HS512', bearer(hs512)],
    ];
    for (const [label, headers] of cases) {
      const res = await t.agent().get(`/api/book/${id}`).set(headers);
      assert.equal(res.status, 401, label);
      assert.match(String(res.headers['www-authenticate']), /^Bearer/, label);
      assert.equal(typeof body(res).requestId, 'string', label);
    }
    assert.ok(!t.logs.join('').includes(forged), 'tokens never reach the log');
  });

  test('a session cookie alone does not authenticate /api', async () => {
    const { agent } = await loggedInAgent(t);
    assert.equal((await agent.get('/book/my_books')).status, 200, 'the session works for pages');
    const res = await agent.get('/api/my_books');
    assert.equal(res.status, 401);
  });

  test('a password change ends API access for tokens issued before it', async () => {
    const { user, token } = await seller();
    await t.pool.query('UPDATE users SET session_version = session_version + 1 WHERE id = ?', [user.id]);
    assert.equal((await t.agent().get('/api/my_books').set(bearer(token))).status, 401);
  });
});

describe('books API: books', () => {
  test('add, read, list, edit and delete a book', async () => {
    const { user, token } = await seller();
    const created = await t.agent().post('/api/add_book').set(bearer(token)).send({ ...book, seller_id: 1, listed: false, price_cents: 1 });
    assert.equal(created.status, 201, created.text);
    const id = body(created).book.id;
    assert.equal(created.headers.location, `/api/book/${id}`);
    assert.equal(body(created).book.price, '14.00');
    assert.equal(body(created).book.priceCents, 1400);
    assert.equal(body(created).book.isbn, '9780807083697');
    assert.equal(body(created).book.seller.id, user.id);
    const row = await bookRow(t.pool, id);
    assert.equal(row?.seller_id, user.id, 'seller_id in the body is ignored');
    assert.equal(row?.listed, 1);
    assert.equal(row?.price_cents, 1400);

    const read = await t.agent().get(`/api/book/${id}`).set(bearer(token));
    assert.equal(read.status, 200);
    assert.equal(body(read).book.title, 'Kindred');
    assert.equal(read.headers['cache-control'], 'no-store');

    const mine = await t.agent().get('/api/my_books').set(bearer(token));
    assert.equal(mine.status, 200);
    assert.deepEqual(body(mine).books.map((b) => b.id), [id]);

    const edited = await t.agent().put(`/api/edit_book/${id}`).set(bearer(token)).send({ ...book, title: 'Kindred (2nd copy)', price: 9.5, stock: '0' });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(body(edited).book.price, '9.50');
    const after = await bookRow(t.pool, id);
    assert.equal(after?.title, 'Kindred (2nd copy)');
    assert.equal(after?.stock, 0);

    const deleted = await t.agent().delete(`/api/delete_book/${id}`).set(bearer(token));
    assert.equal(deleted.status, 200);
    assert.equal(body(deleted).outcome, 'deleted');
    assert.equal(await bookRow(t.pool, id), undefined);
    assert.equal((await t.agent().get(`/api/book/${id}`).set(bearer(token))).status, 404);
  });

  test('bad input gets 422 with field errors and stores nothing', async () => {
    const { user, token } = await seller();
    const cases: [Record<string, unknown>, string][] = [
      [{ price: -1 }, 'price'],
      [{ price: '1000000.01' }, 'price'],
      [{ price: 1e21 }, 'price'],
      [{ stock: 1e9 }, 'stock'],
      [{ stock: 2.5 }, 'stock'],
      [{ isbn: '978-0-8070-8369-8' }, 'isbn'],
      [{ condition: 'mint' }, 'condition'],
      [{ title: '' }, 'title'],
      [{ title: 42 }, 'title'],
    ];
    for (const [override, field] of cases) {
      const res = await t.agent().post('/api/add_book').set(bearer(token)).send({ ...book, ...override });
      assert.equal(res.status, 422, JSON.stringify(override));
      assert.equal(typeof body(res).error.fields[field], 'string', JSON.stringify(override));
    }
    const empty = await t.agent().post('/api/add_book').set(bearer(token)).send({});
    assert.equal(empty.status, 422);
    assert.deepEqual(Object.keys(body(empty).error.fields).sort(), ['author', 'condition', 'price', 'stock', 'title']);
    assert.equal(await countBooks(t.pool, 'seller_id = ?', [user.id]), 0);
  });

  test('a body that is not JSON gets 415; malformed JSON gets 400', async () => {
    const { user, token } = await seller();
    const text = await t.agent().post('/api/add_book').set(bearer(token)).set('Content-Type', 'text/plain').send(JSON.stringify(book));
    assert.equal(text.status, 415);
    assert.match(body(text).error.message, /application\/json/);
    const form = await t.agent().post('/api/add_book').set(bearer(token)).type('form').send({ title: 'x' });
    assert.equal(form.status, 415);
    const loginText = await t.agent().post('/api/login').set('Content-Type', 'text/plain').send('email=a&password=b');
    assert.equal(loginText.status, 415);
    const broken = await t.agent().post('/api/add_book').set(bearer(token)).set('Content-Type', 'application/json').send('{"title": ');
    assert.equal(broken.status, 400);
    assert.equal(await countBooks(t.pool, 'seller_id = ?', [user.id]), 0);
  });

  test("another seller's book: edit and delete get 403 and the database is unchanged", async () => {
    const owner = await seller();
    const id = await insertBook(t.pool, owner.user.id, { title: 'Mine, not yours', priceCents: 2500 });
    const before = await bookRow(t.pool, id);
    const intruder = await seller();
    const edit = await t.agent().put(`/api/edit_book/${id}`).set(bearer(intruder.token)).send({ ...book, price: '0.01' });
    assert.equal(edit.status, 403);
    const del = await t.agent().delete(`/api/delete_book/${id}`).set(bearer(intruder.token));
    assert.equal(del.status, 403);
    assert.deepEqual(await bookRow(t.pool, id), before);
    // Reading a listed book is fine; an unlisted one is 404 to others but not to its seller.
    assert.equal((await t.agent().get(`/api/book/${id}`).set(bearer(intruder.token))).status, 200);
    await t.pool.query('UPDATE books SET listed = 0 WHERE id = ?', [id]);
    assert.equal((await t.agent().get(`/api/book/${id}`).set(bearer(intruder.token))).status, 404);
    assert.equal((await t.agent().get(`/api/book/${id}`).set(bearer(owner.token))).status, 200);
  });

  test('malformed and unknown ids are 404 in JSON', async () => {
    const { token } = await seller();
    for (const path of ['/api/book/abc', '/api/book/0', '/api/book/99999999', '/api/book/1.5', '/api/nothing-here']) {
      const res = await t.agent().get(path).set(bearer(token));
      assert.equal(res.status, 404, path);
      assert.match(String(res.headers['content-type']), /application\/json/, path);
    }
    assert.equal((await t.agent().put('/api/edit_book/abc').set(bearer(token)).send(book)).status, 404);
    assert.equal((await t.agent().delete('/api/delete_book/99999999').set(bearer(token))).status, 404);
  });
});
