// Listening and graceful shutdown, shared by the monolith (server.ts) and each service: on SIGTERM
// no new connections, requests in flight finish (each answer closes its keep-alive connection so
// the proxy reconnects elsewhere), then `stop` closes jobs and pools.
import type { ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createHttpServer } from './http-server.js';

export function serve({ config, logger, app, name, stop }: { config: Config; logger: Logger; app: Express; name: string; stop: () => Promise<void> }): void {
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  const server = createHttpServer(config, (req, res) => {
    // While shutting down, each answer also closes its keep-alive connection, so clients
    // (and the proxy) reconnect to another instance instead of reusing this one.
    if (stopping) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    app(req, res);
  });
  server.listen(config.port, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ port }, `${name} listening on http://localhost:${port}`);
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
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
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
