// Where to go after a form: `?next=` values, which arrive from the browser and so are untrusted.
// Used by the login form (accounts) and the language switch (every app).

/** `?next=` is honoured only for a path on this site: "/x", never "//host" or "/\host". */
export function safeNext(next: unknown): string | null {
  if (typeof next !== 'string' || next.length > 2000) return null;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\\]/.test(next)) return null;
  return next;
}
