// Listening and graceful shutdown, shared by the monolith (server.ts) and each service: on SIGTERM
// no new connections, requests in flight finish (each answer closes its keep-alive connection so
// the proxy reconnects elsewhere), then `stop` closes jobs and pools.
import { ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createHttpServer } from './http-server.js';

export function serve({ config, logger, app, name, stop }: { config: Config; logger: Logger; app: Express; name: string; stop: () => Promise<void> }): void {
  let stopping = false;
  // While shutting down, each answer also closes its keep-alive connection, so clients (and the
  // proxy) reconnect to another instance instead of reusing this one: decided when its headers are
  // written, so answers already in flight at SIGTERM close too. (Not a Set of the responses in
  // flight: a long-lived collection added to and deleted from on every request kept requests
  // reachable from V8's old generation, which then promoted them, about 0.5 MB every scavenge.)
  const { writeHead } = ServerResponse.prototype as unknown as { writeHead: (this: ServerResponse, ...args: unknown[]) => ServerResponse };
  function writeHeadClosingWhenStopping(this: ServerResponse, ...args: unknown[]) {
    if (stopping && !this.headersSent) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  }
  const server = createHttpServer(config, (req, res) => {
    res.writeHead = writeHeadClosingWhenStopping;
    app(req, res);
  });
  // Without HOST, every interface (IPv6 and IPv4): a container is reached through its own address.
  // Outside one, HOST=127.0.0.1 keeps the instance behind its proxy (no plain HTTP around it).
  server.listen({ port: config.port, host: config.host ?? undefined }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host ?? 'localhost';
    logger.info({ host: config.host ?? 'all interfaces', port }, `${name} listening on http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  });

  function shutdown(signal: string): void {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const deadline = setTimeout(() => {
      logger.error('requests still running at the shutdown deadline; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    // Idle keep-alive sockets are closed now, and again as busy ones finish their response.
    const closeIdle = setInterval(() => server.closeIdleConnections(), 250);
    server.close((err) => {
      clearInterval(closeIdle);
      void (async () => {
        await stop();
        logger.info('stopped');
        process.exit(err ? 1 : 0);
      })();
    });
    server.closeIdleConnections();
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
