// Slow clients are cut off by the server's own timeouts (instances behind a load balancer or an
// Ingress are reached without nginx in front).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { createHttpServer } from '../../src/http/http-server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let server: Server;
let port: number;
before(async () => {
  t = await startTestApp({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
  server = createHttpServer(t.config, t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

/**
 * Sends `head` at once, then `drip` one byte every 100 ms (at most 15 s). Resolves with what the
 * server answered, how many drip bytes it had taken, and whether it closed the connection first.
 */
function slowClient(head: string, drip: string): Promise<{ answer: string; sent: number; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', (err) => (answer ? undefined : reject(err)));
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, sent, closedByServer: sent < drip.length });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= drip.length) return socket.end();
        if (!socket.destroyed) socket.write(drip[sent++]!);
      }, 100);
    });
  });
}

describe('slow clients', () => {
  test('a client sending its headers a byte at a time is cut off with 408', async () => {
    const result = await slowClient('GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n', `X-Slow: ${'a'.repeat(140)}\r\n\r\n`);
    assert.ok(result.closedByServer, `the server closed the connection (after ${result.sent} of the slow bytes)`);
    assert.match(result.answer, /^HTTP\/1\.1 408/);
  });

  test('a client sending its body a byte at a time is cut off with 408', async () => {
    const body = JSON.stringify({ email: 'slow@example.com', password: 'x'.repeat(120) });
    const head = `POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const result = await slowClient(head, body);
    assert.ok(result.closedByServer, `the server closed the connection (after ${result.sent} of ${body.length} body bytes)`);
    assert.match(result.answer, /^HTTP\/1\.1 408/);
  });

  test('an ordinary request on the same server is answered', async () => {
    const result = await slowClient('GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', '');
    assert.match(result.answer, /^HTTP\/1\.1 200[\s\S]*pong$/);
  });
});
