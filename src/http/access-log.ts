// One access-log line per request, with exactly these fields: request id, method, path (no query
// string: searches and tokens stay out of the log), status, milliseconds and bytes. Nothing else
// is serialized (no headers, so no cookie or authorization value can reach the log), and each
// request's logger binds only its id. pino-http did the same job serializing every request and
// response header twice a request, about 15 % of a catalog page's CPU.
import type { RequestHandler } from 'express';
import { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.js';
import { requestId } from './request-id.js';

const APP_LOGGER = Symbol('app logger');
const OWN_LOGGER = Symbol('request logger');
type LoggedRequest = IncomingMessage & { [APP_LOGGER]?: Logger; [OWN_LOGGER]?: Logger };

// `req.log`, the request's own child logger, is made the first time something logs (a child logger
// is not free, and most requests log only their access line, written with the id among its fields).
// One accessor on the prototype: a per-request accessor would give every request object a shape of
// its own, and V8 would stop optimising code that reads requests.
Object.defineProperty(IncomingMessage.prototype, 'log', {
  configurable: true,
  get(this: LoggedRequest) {
    return (this[OWN_LOGGER] ??= this[APP_LOGGER]?.child({ requestId: this.id }));
  },
  set(this: LoggedRequest, value: Logger) {
    this[OWN_LOGGER] = value;
  },
});

declare module 'http' {
  interface IncomingMessage {
    /** The request id: the proxy's X-Request-Id when it looks like one, else a new UUID. */
    id: string;
    /** A logger whose every line carries this request's id. */
    log: Logger;
  }
}

/** An e-mailed link's token is a password for an hour or two: its path is logged without it. */
const LINK_TOKEN = /\/(reset-password|verify-email)\/[^/]+/;
const withoutLinkToken = (path: string) => path.replace(LINK_TOKEN, '/$1/:token');

export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    req.id = requestId(req, res);
    (req as LoggedRequest)[APP_LOGGER] = logger;
    res.once('close', () => {
      const status = res.statusCode;
      const line = {
        requestId: req.id,
        method: req.method,
        path: withoutLinkToken((req.originalUrl || req.url).split('?', 1)[0] ?? ''),
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        bytes: Number(res.getHeader('content-length') ?? 0),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (status >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
