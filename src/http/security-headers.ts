// The security headers every answer carries (CSP, HSTS, frame and referrer policies), set cheaply.
import type { RequestHandler } from 'express';
import helmet from 'helmet';

// No inline scripts or styles anywhere: every script and stylesheet is a file under /public.
const policy = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
    },
  },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  crossOriginEmbedderPolicy: false,
});

/**
 * Helmet's headers, worked out once: with no per-request directive (no nonce) they are the same
 * for every answer, so each request only sets them instead of running helmet's dozen middlewares.
 */
export function securityHeaders(): RequestHandler {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string) => void headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let done = false;
  policy({ method: 'GET', url: '/', headers: {} } as never, recorder as never, () => (done = true));
  if (!done || headers.length === 0) throw new Error('helmet did not produce its headers synchronously');
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
