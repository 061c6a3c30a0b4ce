import type { Request } from 'express';

/** A message shown once on the next page (post/redirect/get). */
export function flash(req: Request, type: 'success' | 'error' | 'info', text: string): void {
  req.session.flash = [...(req.session.flash ?? []), { type, text }];
}
