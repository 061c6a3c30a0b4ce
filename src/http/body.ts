// Form bodies for the pages: url-encoded and multipart (a book's cover), with their size limits.
import express, { type RequestHandler } from 'express';
import multer from 'multer';
import { BadRequest } from './errors.js';

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
  if (req.is('multipart/form-data')) {
    multipart(req, res, (err?: unknown) => {
      // Limits keep their MulterError (413 for size); a malformed body is the client's fault.
      if (err && !(err instanceof multer.MulterError)) next(new BadRequest('The form data could not be read. Please try again.'));
      else next(err);
    });
  }
  else urlencoded(req, res, next);
};
