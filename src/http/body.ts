import express, { type RequestHandler } from 'express';
import multer from 'multer';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

// Multipart bodies are parsed into memory (never to disk) with tight limits, so the CSRF
// check can run before any file is written; the only file field is `cover`.
const multipart = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 100 * 1024, parts: 25 },
}).single('cover');

const urlencoded = express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50 });

/** Parses HTML form bodies, both url-encoded and multipart. */
export const formBody: RequestHandler = (req, res, next) => {
  if (req.is('multipart/form-data')) multipart(req, res, next);
  else urlencoded(req, res, next);
};
