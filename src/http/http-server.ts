// The Node HTTP server every app listens with, and its timeouts.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Config } from '../config.js';

/**
 * The HTTP server with tight timeouts, so a slow client (headers or body sent a byte at a time)
 * cannot hold a connection for minutes. nginx protects the single-VM deployment, but instances
 * behind a load balancer and services behind an Ingress are reached without it.
 */
export function createHttpServer(config: Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs'>, handler: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      // Node checks those timeouts on this interval (30 s by default, which would stretch a 10 s limit
      // to 40 s); once a second keeps them close to what is configured at negligible cost.
      connectionsCheckingInterval: 1000,
    },
    handler,
  );
  // Behind a proxy with keep-alive, idle sockets must outlive the proxy's own idle timeout.
  server.keepAliveTimeout = 65_000;
  return server;
}
