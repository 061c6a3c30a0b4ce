// auth's internal address book endpoints, through HTTP: the status says what happened (201 added,
// 200 checked, 422 invalid, 409 the book is full), and the HTTP AccountsPort that catalog and order
// use turns each refusal back into the same Invalid or Conflict the in-process port throws.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { accountsInternalRoutes } from '../../src/accounts/accounts.internal.js';
import type { RowDataPacket } from '../../src/db/pool.js';
import { Conflict, Invalid } from '../../src/http/errors.js';
import { httpAccounts } from '../../src/services/accounts.client.js';
import { serviceClient } from '../../src/services/http-client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ADDRESS } from '../helpers/orders.js';
import { createUser } from '../helpers/users.js';

let t: TestApp;
let server: Server;
let base: string;
before(async () => {
  t = await startTestApp();
  // The router as auth mounts it (accounts.unit.ts), without the service-token guard in front.
  const app = express().use('/internal', accountsInternalRoutes({ pool: t.pool }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

async function addressCount(userId: number): Promise<number> {
  const [r] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM addresses WHERE user_id = ?', [userId]);
  return Number(r[0]?.n);
}

async function post(path: string, body: unknown) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('auth internal: add and check an address', () => {
  test('the status comes from the outcome: 201 added, 422 invalid, 409 full; check is 200/422/409 and saves nothing', async () => {
    const user = await createUser(t.pool);
    const path = `/internal/accounts/users/${user.id}/addresses`;

    const invalid = await post(path, { ...ADDRESS, phone: 'x', country: 'constructor' });
    assert.equal(invalid.status, 422);
    assert.ok((invalid.body.invalid as { fields: Record<string, string> }).fields.phone);
    assert.equal((invalid.body.invalid as { fields: Record<string, string> }).fields.country, 'Choose a country from the list.');
    const checkedBad = await post(`${path}/check`, { ...ADDRESS, city: '' });
    assert.equal(checkedBad.status, 422);
    assert.equal(await addressCount(user.id), 0);

    const checked = await post(`${path}/check`, ADDRESS);
    assert.equal(checked.status, 200);
    assert.equal(await addressCount(user.id), 0, 'a check saves nothing');

    for (let i = 0; i < 5; i++) {
      const added = await post(path, { ...ADDRESS, recipient: `Person ${i}` });
      assert.equal(added.status, 201);
      assert.equal((added.body.added as { recipient: string }).recipient, `Person ${i}`);
    }
    const full = await post(path, ADDRESS);
    assert.equal(full.status, 409);
    assert.deepEqual(full.body.conflict, { template: 'You already have {max} addresses. Delete one before adding another.', params: { max: 5 } });
    assert.equal((await post(`${path}/check`, ADDRESS)).status, 409);
    assert.equal(await addressCount(user.id), 5);
  });

  test('the HTTP port throws the same Invalid and Conflict as the in-process one', async () => {
    const user = await createUser(t.pool);
    const accounts = httpAccounts(serviceClient({ service: 'auth', baseUrl: base, timeoutMs: 5000, token: () => Promise.resolve('unused') }), 0);
    const invalid = await accounts.addAddress(user.id, { ...ADDRESS, region: '' }).catch((e: unknown) => e);
    assert.ok(invalid instanceof Invalid);
    assert.equal(invalid.fields.region, 'Enter the department, state or region.');
    assert.ok((await accounts.checkAddress(user.id, { ...ADDRESS, phone: '1' }).catch((e: unknown) => e)) instanceof Invalid);
    await accounts.checkAddress(user.id, ADDRESS);
    for (let i = 0; i < 5; i++) assert.equal((await accounts.addAddress(user.id, { ...ADDRESS, recipient: `P${i}` })).recipient, `P${i}`);
    const full = await accounts.addAddress(user.id, ADDRESS).catch((e: unknown) => e);
    assert.ok(full instanceof Conflict);
    assert.equal(full.message, 'You already have 5 addresses. Delete one before adding another.');
    assert.ok((await accounts.checkAddress(user.id, ADDRESS).catch((e: unknown) => e)) instanceof Conflict);
    assert.equal(await addressCount(user.id), 5);
  });
});
