// Messages shown once on the next page (post/redirect/get), kept in the session.
import type { Request } from 'express';
import type { Params } from '../i18n/format.js';
import { ensureSession } from './session.js';

/** A message shown once on the next page (post/redirect/get), in the reader's language then: an English template and its params. */
export function flash(req: Request, type: 'success' | 'error' | 'info', text: string, params?: Params): void {
  const session = ensureSession(req);
  session.flash = [...(session.flash ?? []), params ? { type, text, params } : { type, text }];
}
