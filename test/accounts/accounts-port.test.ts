// The AccountsPort contract: what catalog and orders may rely on, whichever implementation is wired.
// It runs twice: on the in-process port (the monolith's) and on the HTTP client catalog and order use,
// talking over 127.0.0.1 to auth's own /internal router behind the real service-token guard.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accountsInternalRoutes } from '../../src/accounts/accounts.internal.js';
import type { AccountsPort } from '../../src/accounts/accounts.port.js';
import { disableUser, enableUser, setRole } from '../../src/accounts/accounts.repo.js';
import type { RowDataPacket } from '../../src/db/pool.js';
import { Conflict, Invalid } from '../../src/http/errors.js';
import { httpAccounts } from '../../src/services/accounts.client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { serveInternal, type InternalServer } from '../helpers/internal.js';
import { ADDRESS } from '../helpers/orders.js';
import { createUser } from '../helpers/users.js';

let t: TestApp;
let authService: InternalServer;
let overHttp: AccountsPort;
before(async () => {
  t = await startTestApp();
  authService = await serveInternal('auth', 'order', accountsInternalRoutes({ pool: t.pool }));
  // No cache: the contract is about answers; the cache's bound has its own tests (revocation).
  overHttp = httpAccounts(authService.call, 0);
});
after(async () => {
  await authService.close();
  await t.close();
});

async function addressCount(userId: number): Promise<number> {
  const [r] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM addresses WHERE user_id = ?', [userId]);
  return Number(r[0]?.n);
}

function contract(name: string, port: () => AccountsPort) {
  describe(`AccountsPort contract: ${name}`, () => {
    test('usersByIds answers id, name and email only, once per id, and leaves unknown ids out', async () => {
      const a = await createUser(t.pool, { name: 'Ana' });
      const b = await createUser(t.pool, { name: 'Bo' });
      const users = await port().usersByIds([b.id, a.id, 99_999_999, a.id]);
      assert.deepEqual(
        users.sort((x, y) => x.id - y.id),
        [{ id: a.id, name: 'Ana', email: a.email }, { id: b.id, name: 'Bo', email: b.email }],
      );
      assert.deepEqual(await port().usersByIds([]), []);
    });

    test('sessionUser answers the account while its session version holds; null once disabled, re-versioned or unknown', async () => {
      const u = await createUser(t.pool, { name: 'Sid' });
      const found = await port().sessionUser(u.id, 1); // a new account's first version
      assert.ok(found);
      assert.deepEqual([found.id, found.name, found.email, found.role, found.sessionVersion, found.disabled], [u.id, 'Sid', u.email, 'user', 1, false]);
      assert.ok(found.createdAt instanceof Date && !Number.isNaN(found.createdAt.getTime()));
      await setRole(t.pool, u.id, 'admin');
      assert.equal((await port().sessionUser(u.id, 1))?.role, 'admin', 'the role as it is now');
      assert.equal(await port().sessionUser(u.id, 2), null, 'a version the account does not have');
      await disableUser(t.pool, u.id, new Date());
      assert.equal(await port().sessionUser(u.id, 1), null, 'disabled: the old version is over');
      assert.equal(await port().sessionUser(u.id, 2), null, 'disabled: no version is good');
      await enableUser(t.pool, u.id);
      assert.equal((await port().sessionUser(u.id, 2))?.id, u.id, 'enabled again, with the new version only');
      assert.equal(await port().sessionUser(u.id, 1), null);
      assert.equal(await port().sessionUser(99_999_999, 1), null);
    });

    test('addAddress keeps only the address fields, the first becomes the default; reads are for their owner only', async () => {
      const u = await createUser(t.pool);
      const other = await createUser(t.pool);
      assert.deepEqual(await port().addressesOfUser(u.id), []);
      const first = await port().addAddress(u.id, { ...ADDRESS, _csrf: 'x', userId: other.id });
      const second = await port().addAddress(u.id, { ...ADDRESS, recipient: 'Second' });
      assert.equal(first.isDefault, true);
      assert.equal(second.isDefault, false);
      assert.deepEqual(
        { ...first, id: 0 },
        { id: 0, isDefault: true, recipient: ADDRESS.recipient, line1: ADDRESS.line1, line2: ADDRESS.line2, city: ADDRESS.city, region: ADDRESS.region, postalCode: ADDRESS.postal_code, country: 'CO', phone: ADDRESS.phone },
      );
      assert.deepEqual((await port().addressesOfUser(u.id)).map((a) => a.id), [first.id, second.id], 'the default first');
      assert.deepEqual(await port().addressOfUser(u.id, second.id), second);
      assert.equal(await port().addressOfUser(other.id, second.id), null, "someone else's address");
      assert.equal(await port().addressOfUser(u.id, 99_999_999), null);
      assert.deepEqual(await port().addressesOfUser(other.id), []);
    });

    test('addAddress and checkAddress refuse with Invalid (field messages) or Conflict (the book is full); check saves nothing', async () => {
      const u = await createUser(t.pool);
      const invalid = await port().addAddress(u.id, { ...ADDRESS, city: '', phone: 'x' }).catch((e: unknown) => e);
      assert.ok(invalid instanceof Invalid);
      assert.deepEqual(Object.keys(invalid.fields).sort(), ['city', 'phone']);
      assert.ok((await port().checkAddress(u.id, { ...ADDRESS, country: 'constructor' }).catch((e: unknown) => e)) instanceof Invalid);
      await port().checkAddress(u.id, ADDRESS);
      assert.equal(await addressCount(u.id), 0, 'neither a refusal nor a check saves anything');
      for (let i = 0; i < 5; i++) await port().addAddress(u.id, { ...ADDRESS, recipient: `P${i}` });
      const full = await port().addAddress(u.id, ADDRESS).catch((e: unknown) => e);
      assert.ok(full instanceof Conflict);
      assert.equal(full.message, 'You already have 5 addresses. Delete one before adding another.');
      assert.ok((await port().checkAddress(u.id, ADDRESS).catch((e: unknown) => e)) instanceof Conflict);
      assert.equal(await addressCount(u.id), 5);
    });
  });
}

contract('in-process', () => t.ports.accounts);
contract("HTTP (catalog's and order's client, auth's internal router)", () => overHttp);
