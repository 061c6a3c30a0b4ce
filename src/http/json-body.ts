// JSON request bodies for /api and /internal: JSON only (415 otherwise), size and nesting bounded.
import express, { type RequestHandler } from 'express';
import { BadRequest, UnsupportedMediaType } from './errors.js';

/** No API body needs more than a few levels; deeper ones are refused before any code walks them. */
export const MAX_JSON_DEPTH = 32;

declare module 'http' {
  interface IncomingMessage {
    /** The JSON body's bytes as received (the Idempotency-Key fingerprint hashes these). */
    rawBody?: Buffer;
  }
}

const json = express.json({
  limit: '100kb',
  strict: true,
  verify: (req, _res, buf) => {
    if (nestingDepth(buf) > MAX_JSON_DEPTH) throw new BadRequest(`The JSON body is nested too deeply (at most ${MAX_JSON_DEPTH} levels).`);
    req.rawBody = buf;
  },
});

/** API bodies must be JSON: any other body gets 415 before a route runs. */
export const jsonBody: RequestHandler = (req, res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) return next(new UnsupportedMediaType());
  json(req, res, next);
};

/** Deepest nesting of objects and arrays in JSON text, in one pass without recursion. */
export function nestingDepth(buf: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
