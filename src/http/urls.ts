// The one URL helper. Pages, redirects and `?next=` values are written as the monolith's paths
// ("canonical": /book/7, /login, /cart); this module turns them into what the browser must request.
// In the monolith that is the same path. Split into services behind the Ingress, each path goes to
// the service that owns it under that service's prefix (/auth/login, /book/7, /order/cart), and the
// service's own local paths (what it sees after the Ingress's rewrite) map back the same way.
import type { Express, Request, RequestHandler, Response } from 'express';

export type ServiceName = 'auth' | 'catalog' | 'order';

/** Where each service is mounted on the public host (Ingress path prefixes). */
export type Prefixes = Record<ServiceName, string>;

/**
 * How one composed app's URLs map: canonical paths (as the code writes them) to what the browser
 * requests, and this app's own local paths back. The monolith's is the identity; each service's is
 * built from the routing table below. Decided once, when the app is composed.
 */
export interface Urls {
  /** The layout as text: equal for layouts that write the same URLs (cached pages are keyed by it). */
  key: string;
  /** The browser's URL for a canonical path (absolute URLs, fragments and non-strings pass through). */
  publicUrl<T>(canonical: T): T | string;
  /** The canonical path of one of this app's own local paths (req.originalUrl after the proxy's rewrite). */
  canonicalPath(local: string): string;
  /** Where this app mounts a canonical path it serves (the split catalog serves /book at its root). */
  localPath(canonical: string): string;
  /** The same layout with this app's own prefix as the proxy announced it (X-Forwarded-Prefix). */
  withOwnPrefix(prefix: string): Urls;
}

/** The monolith: every URL stays as written; it has no prefix of its own to announce. */
export const MONOLITH: Urls = {
  key: 'monolith',
  publicUrl: (canonical) => canonical,
  canonicalPath: (local) => local,
  localPath: (canonical) => canonical,
  withOwnPrefix: () => MONOLITH,
};

interface Rule {
  /** Canonical paths equal to this, or under it (followed by / ? or #). */
  canonical: string;
  owner: ServiceName | 'self';
  /** The owner's own path for that canonical prefix. */
  local: string;
}

// The routing table (the Ingress in k8s/base/ingress.yaml routes the same prefixes). Longest match
// wins, so order does not matter; '/' alone is the home page (catalog's '/').
const RULES: Rule[] = [
  ...['/public', '/api'].map((p) => ({ canonical: p, owner: 'self' as const, local: p })),
  { canonical: '/book', owner: 'catalog', local: '' },
  { canonical: '/uploads', owner: 'catalog', local: '/uploads' },
  ...['/login', '/register', '/logout', '/account', '/admin/users', '/lang', '/forgot-password', '/reset-password', '/verify-email'].map((p) => ({ canonical: p, owner: 'auth' as const, local: p })),
  ...['/cart', '/buy', '/delivery', '/payment', '/purchases', '/sales', '/track', '/admin/delivery_providers', '/admin/purchases', '/admin/claims'].map((p) => ({
    canonical: p,
    owner: 'order' as const,
    local: p,
  })),
];

const under = (path: string, prefix: string) => path === prefix || (path.startsWith(prefix) && /^[/?#]/.test(path.slice(prefix.length)));
const isHome = (path: string) => path === '/' || /^\/[?#]/.test(path);

/** The rule whose `pick` (undefined: not a candidate) is the longest prefix of `path`. */
function ruleFor(path: string, pick: (r: Rule) => string | undefined): Rule | undefined {
  let best: { rule: Rule; length: number } | undefined;
  for (const rule of RULES) {
    const p = pick(rule);
    if (p !== undefined && under(path, p) && (!best || p.length > best.length)) best = { rule, length: p.length };
  }
  return best?.rule;
}

/** A service's layout: `self` answers this app's requests, mounted at prefixes[self]. */
export function serviceUrls(self: ServiceName, prefixes: Prefixes): Urls {
  const owns = (r: Rule) => r.owner === self || r.owner === 'self';
  const urls: Urls = {
    key: JSON.stringify({ self, prefixes }),
    publicUrl<T>(canonical: T): T | string {
      if (typeof canonical !== 'string' || !canonical.startsWith('/') || canonical.startsWith('//')) return canonical;
      if (isHome(canonical)) return `${prefixes.catalog}${canonical}`;
      const rule = ruleFor(canonical, (r) => r.canonical);
      if (!rule) return `${prefixes[self]}${canonical}`;
      const local = `${rule.local}${canonical.slice(rule.canonical.length)}` || '/';
      return `${prefixes[rule.owner === 'self' ? self : rule.owner]}${local.startsWith('/') ? '' : '/'}${local}`;
    },
    canonicalPath(local) {
      if (isHome(local)) return local;
      const rule = ruleFor(local, (r) => (owns(r) ? r.local : undefined));
      return rule ? `${rule.canonical}${local.slice(rule.local.length)}` : local;
    },
    localPath(canonical) {
      const rule = ruleFor(canonical, (r) => r.canonical);
      return rule && owns(rule) ? `${rule.local}${canonical.slice(rule.canonical.length)}` || '/' : canonical;
    },
    withOwnPrefix: (prefix) => (prefix === prefixes[self] ? urls : serviceUrls(self, { ...prefixes, [self]: prefix })),
  };
  return urls;
}

// A prefix the proxy announces: slash-separated words only (it ends up in every link on the page).
const PREFIX = /^(\/[A-Za-z0-9._-]+)+$/;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's URL layout (set by urlLayout; the monolith's when it is not mounted). */
      urls?: Urls;
    }
  }
}

/** The canonical form of the URL this request asked for (for ?next= and the current page). */
export function requestCanonical(req: Request): string {
  return (req.urls ?? MONOLITH).canonicalPath(req.originalUrl);
}

export function href(req: Request, canonical: string): string {
  return (req.urls ?? MONOLITH).publicUrl(canonical);
}

/** What pages see when no layout is mounted (or before it ran): the path as written. */
export const identityHref = <T>(canonical: T): T => canonical;

/**
 * Mounted first: gives every page `href()`. The app's own prefix is the `X-Forwarded-Prefix` the
 * Ingress sends when there is one (the configured one otherwise, e.g. when reached directly).
 */
export function urlLayout(layout: Urls): RequestHandler {
  return (req, res, next) => {
    const forwarded = req.get('x-forwarded-prefix');
    const urls = forwarded && PREFIX.test(forwarded) ? layout.withOwnPrefix(forwarded) : layout;
    req.urls = urls;
    res.locals.href = (canonical: string) => urls.publicUrl(canonical);
    next();
  };
}

/** Every `res.redirect` of this app to a canonical path goes where the browser must ask for it. */
export function redirectsThroughUrls(app: Express): void {
  // express's own, from the prototype app.response inherits (this app's is replaced below).
  const { redirect } = Object.getPrototypeOf(app.response) as { redirect: (this: Response, status: number, url: string) => void };
  app.response.redirect = function (this: Response, a: number | string, b?: string | number) {
    const [status, url] = typeof a === 'number' ? [a, String(b)] : [typeof b === 'number' ? b : 302, a];
    redirect.call(this, status, href(this.req, url));
  };
}
