// One id per request, for the access log and the error pages, taken from the proxy when it sent one.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Takes the proxy's X-Request-Id when it looks like an id, otherwise makes one; echoes it back. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const fromProxy = req.headers['x-request-id'];
  const id = typeof fromProxy === 'string' && SAFE_ID.test(fromProxy) ? fromProxy : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
