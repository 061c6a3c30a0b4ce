// The access log: one line a request with only id, method, path, status, time and bytes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const lines = () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

test('one line per request with exactly the request id, method, path, status, time and bytes', async () => {
  const { agent } = await loggedInAgent(t);
  const before = lines().length;
  const res = await agent
    .get('/book/catalog?q=secret+search&page=1')
    .set('X-Request-Id', 'req-id-from-the-proxy-0001')
    .set('Authorization', 'Bearer should-never-be-logged')
    .set('User-Agent', 'agent-should-not-be-logged');
  assert.equal(res.status, 200);
  await new Promise((r) => setImmediate(r));
  const mine = lines().slice(before);
  assert.equal(mine.length, 1);
  const line = mine[0]!;
  assert.deepEqual(Object.keys(line).sort(), ['bytes', 'level', 'method', 'ms', 'msg', 'path', 'pid', 'hostname', 'requestId', 'status', 'time'].sort());
  assert.equal(line.requestId, 'req-id-from-the-proxy-0001');
  assert.equal(line.method, 'GET');
  assert.equal(line.path, '/book/catalog');
  assert.equal(line.status, 200);
  assert.equal(line.bytes, Number(res.headers['content-length']));
  assert.equal(typeof line.ms, 'number');
  const all = t.logs.join('\n');
  for (const secret of ['should-never-be-logged', 'agent-should-not-be-logged', 'secret+search', 'bookstore.sid']) assert.ok(!all.includes(secret), secret);
});

test('each line carries the id the response sent back, for pages and refusals alike', async () => {
  const before = lines().length;
  const res = await t.agent().get('/book/catalog').set('X-Request-Id', 'bad id with spaces');
  assert.equal(res.status, 200);
  const missing = await t.agent().get('/no/such/page');
  assert.equal(missing.status, 404);
  await new Promise((r) => setImmediate(r));
  const mine = lines().slice(before);
  assert.deepEqual(mine.map((l) => [l.path, l.status, l.level]), [['/book/catalog', 200, 30], ['/no/such/page', 404, 30]]);
  assert.equal(mine[1]!.requestId, missing.headers['x-request-id']);
  assert.match(String(mine[0]!.requestId), /^[0-9a-f-]{36}$/, 'a bad X-Request-Id from the client is replaced by a new id');
});
