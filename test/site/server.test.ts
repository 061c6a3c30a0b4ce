// The real server process: start-up checks, migrating an empty server, graceful shutdown.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { dropDatabase } from '../../src/db/migrate.js';
import { SERVER_URL } from '../helpers/app.js';

const databaseUrl = `${SERVER_URL}/bookstore_srv_${randomBytes(4).toString('hex')}`;
after(() => dropDatabase(databaseUrl));

function startServer(env: Record<string, string>): { child: ChildProcess; output: () => string; ready: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port) resolve(Number(port));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, output: () => output, ready };
}

describe('server process', () => {
  test('a bad setting exits 1 with one line naming the variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, NODE_ENV: 'production', SESSION_SECRET: '', JWT_SECRET: 'j'.repeat(40) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim(), 'Invalid configuration: SESSION_SECRET is required in production (at least 32 characters)');
  });

  test('migrates an empty server at start, and SIGTERM lets a request in flight finish, then exits 0', async () => {
    const server = startServer({ DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'true' });
    const port = await server.ready;
    const conn = await mysql.createConnection({ uri: databaseUrl });
    const [providers] = await conn.query<mysql.RowDataPacket[]>('SELECT name, coverage, cost_cents FROM delivery_providers ORDER BY id');
    await conn.end();
    assert.deepEqual(providers.map((p): unknown[] => [p.name, p.coverage, p.cost_cents]), [
      ['DHL', 'Internacional', 5000], ['FedEx', 'Internacional', 4500], ['Envia', 'Nacional', 2000], ['Servientrega', 'Nacional', 1500],
    ]);

    // A slow request: headers now, the body only after SIGTERM has arrived.
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const body = 'email=slow%40example.com&password=x';
    socket.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`);
    let response = '';
    socket.on('data', (c: Buffer) => (response += c.toString()));
    await new Promise((r) => setTimeout(r, 300));
    const exited = once(server.child, 'exit');
    const sentAt = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    socket.write(body);
    await once(socket, 'close');
    assert.match(response, /^HTTP\/1\.1 403 /, 'the in-flight request got its full answer (403: it had no CSRF token)');
    assert.match(response, /\r\nConnection: close\r\n/i, 'a keep-alive connection is closed after its last answer, not held open');
    assert.match(response, /Content-Type: text\/html/, 'the refusal is the site\'s own page');
    const [code] = (await exited) as [number];
    assert.equal(code, 0);
    assert.ok(Date.now() - sentAt < 10_000);
    assert.match(server.output(), /shutting down/);

    // New connections are refused once it is down.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/ping`));
  });

  test('listens only on HOST when it is set (127.0.0.2: answers there, not on 127.0.0.1)', async () => {
    const server = startServer({ DATABASE_URL: databaseUrl, HOST: '127.0.0.2' });
    try {
      const port = await server.ready;
      assert.equal((await fetch(`http://127.0.0.2:${port}/ping`)).status, 200);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/ping`), 'nothing listens on the other addresses');
      assert.match(server.output(), /"host":"127\.0\.0\.2"/);
    } finally {
      const exited = once(server.child, 'exit');
      server.child.kill('SIGTERM');
      await exited;
    }
  });
});
