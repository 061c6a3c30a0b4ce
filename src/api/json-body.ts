import express, { type RequestHandler } from 'express';
import { UnsupportedMediaType } from '../http/errors.js';

const json = express.json({ limit: '100kb', strict: true });

/** API bodies must be JSON: any other body gets 415 before a route runs. */
export const jsonBody: RequestHandler = (req, res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) return next(new UnsupportedMediaType());
  json(req, res, next);
};
