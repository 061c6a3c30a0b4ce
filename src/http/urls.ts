// The one URL helper. Pages, redirects and `?next=` values are written as the monolith's paths
// ("canonical": /book/7, /login, /cart); this module turns them into what the browser must request.
// In the monolith that is the same path. Split into services behind the Ingress, each path goes to
// the service that owns it under that service's prefix (/auth/login, /book/7, /order/cart), and the
// service's own local paths (what it sees after the Ingress's rewrite) map back the same way.
import type { Request, RequestHandler } from 'express';

export type ServiceName = 'auth' | 'catalog' | 'order';

export interface UrlLayout {
  /** 'monolith': every URL stays as written. Otherwise the service answering this request. */
  self: ServiceName | 'monolith';
  /** Where each service is mounted on the public host (Ingress path prefixes). */
  prefixes: Record<ServiceName, string>;
}

export const MONOLITH: UrlLayout = { self: 'monolith', prefixes: { auth: '', catalog: '', order: '' } };

interface Rule {
  /** Canonical paths equal to this, or under it (followed by / ? or #). */
  canonical: string;
  owner: ServiceName | 'self';
  /** The owner's own path for that canonical prefix. */
  local: string;
}

// Longest match wins, so order does not matter; '/' alone is the home page (catalog's '/').
const RULES: Rule[] = [
  { canonical: '/public', owner: 'self', local: '/public' },
  { canonical: '/book', owner: 'catalog', local: '' },
  { canonical: '/uploads', owner: 'catalog', local: '/uploads' },
  ...['/login', '/register', '/logout', '/account', '/admin/users', '/lang', '/forgot-password', '/reset-password', '/verify-email'].map((p) => ({ canonical: p, owner: 'auth' as const, local: p })),
  ...['/cart', '/buy', '/delivery', '/payment', '/purchases', '/sales', '/track', '/admin/delivery_providers', '/admin/purchases'].map((p) => ({
    canonical: p,
    owner: 'order' as const,
    local: p,
  })),
];

const under = (path: string, prefix: string) => path === prefix || (path.startsWith(prefix) && /^[/?#]/.test(path.slice(prefix.length)));

function ruleFor(path: string, pick: (r: Rule) => string): Rule | undefined {
  let best: Rule | undefined;
  for (const rule of RULES) {
    const p = pick(rule);
    if (p && under(path, p) && (!best || p.length > pick(best).length)) best = rule;
  }
  return best;
}

/** The browser's URL for a canonical path (absolute URLs and fragments pass through). */
export function publicUrl<T>(layout: UrlLayout, canonical: T): T | string {
  if (layout.self === 'monolith' || typeof canonical !== 'string' || !canonical.startsWith('/') || canonical.startsWith('//')) return canonical;
  const self = layout.self;
  if (canonical === '/' || /^\/[?#]/.test(canonical)) return `${layout.prefixes.catalog}${canonical}`;
  const rule = ruleFor(canonical, (r) => r.canonical);
  if (!rule) return `${layout.prefixes[self]}${canonical}`;
  const owner = rule.owner === 'self' ? self : rule.owner;
  const rest = canonical.slice(rule.canonical.length);
  const local = `${rule.local}${rest}` || '/';
  return `${layout.prefixes[owner]}${local.startsWith('/') ? '' : '/'}${local}`;
}

/** The canonical path of one of this service's own local paths (req.originalUrl after the rewrite). */
export function canonicalPath(layout: UrlLayout, local: string): string {
  if (layout.self !== 'catalog') return local; // auth's and order's local paths are the monolith's
  if (local === '/' || /^\/[?#]/.test(local) || under(local, '/public') || under(local, '/uploads') || under(local, '/api')) return local;
  return `/book${local}`;
}

// A prefix the proxy announces: slash-separated words only (it ends up in every link on the page).
const PREFIX = /^(\/[A-Za-z0-9._-]+)+$/;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's URL layout (set by urlLayout; the monolith's when it is not mounted). */
      urls?: UrlLayout;
    }
  }
}

/** The canonical form of the URL this request asked for (for ?next= and the current page). */
export function requestCanonical(req: Request): string {
  return canonicalPath(req.urls ?? MONOLITH, req.originalUrl);
}

export function href(req: Request, canonical: string): string {
  return publicUrl(req.urls ?? MONOLITH, canonical);
}

/** What pages see when no layout is mounted (or before it ran): the path as written. */
export const identityHref = <T>(canonical: T): T => canonical;

/**
 * Mounted first: gives every page `href()` and runs every `res.redirect` to a path through it. The
 * service's own prefix is the `X-Forwarded-Prefix` the Ingress sends when there is one (the
 * configured one otherwise, e.g. when the service is reached directly).
 */
export function urlLayout(layout: UrlLayout): RequestHandler {
  return (req, res, next) => {
    let urls = layout;
    const forwarded = req.get('x-forwarded-prefix');
    if (layout.self !== 'monolith' && forwarded && PREFIX.test(forwarded) && forwarded !== layout.prefixes[layout.self]) {
      urls = { ...layout, prefixes: { ...layout.prefixes, [layout.self]: forwarded } };
    }
    req.urls = urls;
    res.locals.href = (canonical: string) => publicUrl(urls, canonical);
    if (urls.self !== 'monolith') {
      const redirect: (status: number, url: string) => void = res.redirect.bind(res);
      res.redirect = ((a: number | string, b?: string | number) => {
        const [status, url] = typeof a === 'number' ? [a, String(b)] : [typeof b === 'number' ? b : 302, a];
        redirect(status, publicUrl(urls, url));
      });
    }
    next();
  };
}
