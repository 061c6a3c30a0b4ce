import type { Request } from 'express';
import { ensureSession } from './session.js';

/** A message shown once on the next page (post/redirect/get). */
export function flash(req: Request, type: 'success' | 'error' | 'info', text: string): void {
  const session = ensureSession(req);
  session.flash = [...(session.flash ?? []), { type, text }];
}
