// Form bodies for the pages: url-encoded and multipart (a book's cover, a claim's photos), with
// their size limits.
import express, { type Request, type RequestHandler } from 'express';
import multer from 'multer';
import { BadRequest } from './errors.js';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/** A claim carries up to this many photos (the Ingress and nginx allow 3 × 5 MB and the fields). */
export const MAX_CLAIM_PHOTOS = 3;

// Multipart bodies are parsed into memory (never to disk) with tight limits, so the CSRF
// check can run before any file is written; the only file fields are `cover` (one) and `photos`.
const multipart = multer({
  storage: multer.memoryStorage(),
  // One more file than allowed, so a 4th photo fails on its field's maxCount (a clear message) before it is read.
  limits: { fileSize: MAX_UPLOAD_BYTES, files: MAX_CLAIM_PHOTOS + 1, fields: 20, fieldSize: 100 * 1024, parts: 25 },
}).fields([
  { name: 'cover', maxCount: 1 },
  { name: 'photos', maxCount: MAX_CLAIM_PHOTOS },
]);

/** The uploaded files of one field (an empty file input sends a nameless empty part: dropped). */
export function uploadedFiles(req: Request, field: 'cover' | 'photos'): Express.Multer.File[] {
  const files = req.files as Record<string, Express.Multer.File[] | undefined> | undefined;
  return (files?.[field] ?? []).filter((f) => f.size > 0);
}

const urlencoded = express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50 });

/** Parses HTML form bodies, both url-encoded and multipart. */
export const formBody: RequestHandler = (req, res, next) => {
  if (req.is('multipart/form-data')) {
    multipart(req, res, (err?: unknown) => {
      // Limits keep their MulterError (413 for size); a malformed body is the client's fault.
      if (err && !(err instanceof multer.MulterError)) return next(new BadRequest('The form data could not be read. Please try again.'));
      next(err);
    });
  }
  else urlencoded(req, res, next);
};
