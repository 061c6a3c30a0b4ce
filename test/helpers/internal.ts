// A service's /internal router served over a real HTTP hop on 127.0.0.1, behind the real service-token
// guard and error handler, and the real HTTP client pointed at it: what a port's HTTP adapter talks to
// in the split shop, without starting the whole service. The contract tests run each port through it.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Router } from 'express';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { accessLog } from '../../src/http/access-log.js';
import { errorHandler, notFound } from '../../src/http/error-handler.js';
import type { ServiceName } from '../../src/http/urls.js';
import { createLogger } from '../../src/logger.js';
import { serviceClient, type Call } from '../../src/services/http-client.js';
import { requireServiceToken, serviceTokens } from '../../src/services/tokens.js';

export interface InternalServer {
  /** The caller's client, sending fresh service tokens as `caller`. */
  call: Call;
  baseUrl: string;
  close(): Promise<void>;
}

export async function serveInternal(callee: ServiceName, caller: ServiceName, router: Router): Promise<InternalServer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const app = express();
  app.use(accessLog(createLogger('silent')));
  app.use('/internal', await requireServiceToken(callee, { [caller]: await exportSPKI(publicKey) }), router);
  app.use(notFound);
  app.use(errorHandler);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = await serviceTokens(caller, await exportPKCS8(privateKey));
  return {
    call: serviceClient({ service: callee, baseUrl, timeoutMs: 5000, token }),
    baseUrl,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
