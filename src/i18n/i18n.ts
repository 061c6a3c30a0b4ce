// The shop's two languages. Why a catalog of our own rather than i18next: the keys are the English
// texts themselves (gettext's way), so the many messages thrown by services and schemas need no
// renaming, English needs no catalog at all, and a lookup is one property read on an object built
// at import (no file reads, no per-request setup: the catalog page renders as fast as before).
// test/site/i18n.test.ts fails when a text used on a page has no Spanish or a Spanish text no use.
import type { Request } from 'express';
import { es } from './es.js';
import { interpolate, remembered, type Params } from './format.js';

export const LANGS = ['es', 'en'] as const;
export type Lang = (typeof LANGS)[number];
/** The shop's readers are Spanish-speaking first (Colombia). */
export const DEFAULT_LANG: Lang = 'es';
export const LANG_COOKIE = 'lang';

export type Translate = (text: string, params?: Params) => string;

/** A catalog without a prototype: a text like `constructor` or `__proto__` finds nothing, not Object's members. */
const ownKeysOnly = (texts: Readonly<Record<string, string>>): Readonly<Record<string, string>> => Object.assign(Object.create(null) as Record<string, string>, texts);
const catalogs: Record<Lang, Readonly<Record<string, string>>> = { es: ownKeysOnly(es), en: ownKeysOnly({}) };

/** How each language writes numbers, dates and country names (Intl objects are costly to make: once each). */
const LOCALES: Record<Lang, string> = { es: 'es-CO', en: 'en-US' };

export interface Language {
  lang: Lang;
  t: Translate;
  /** Integer cents in dollars, written the language's way: "$1,234.50" / "$1.234,50". */
  money: (cents: number) => string;
  /** A whole number with the language's grouping: "10,000" / "10.000". */
  number: (n: number) => string;
  /** A moment in UTC, like the database: "Nov 28, 2026, 6:19 AM UTC" / "28/11/2026, 6:19 a. m. UTC". */
  formatTime: (d: Date | null) => string;
  /** A calendar day: "Nov 28, 2026" / "28/11/2026". */
  formatDate: (d: Date) => string;
  countryName: (code: string) => string;
}

function build(lang: Lang): Language {
  const catalog = catalogs[lang];
  const locale = LOCALES[lang];
  const amount = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const time = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const regions = new Intl.DisplayNames([locale], { type: 'region' });
  return {
    lang,
    t: (text, params) => interpolate(catalog[text] ?? text, params),
    money: remembered((cents) => `${cents < 0 ? '-' : ''}$${amount.format(Math.abs(Math.trunc(cents)) / 100)}`),
    number: remembered((n) => whole.format(n)),
    formatTime: (d) => (d ? `${time.format(d)} UTC` : ''),
    formatDate: (d) => date.format(d),
    countryName: (code) => regions.of(code) ?? code,
  };
}

export const LANGUAGES: Record<Lang, Language> = { es: build('es'), en: build('en') };

export const isLang = (v: unknown): v is Lang => v === 'es' || v === 'en';

/** The first supported language of an Accept-Language header, by its q weights; null if none. */
export function fromAcceptLanguage(header: string | undefined): Lang | null {
  if (!header) return null;
  let best: Lang | null = null;
  let bestQ = 0;
  for (const part of header.split(',', 20)) {
    const [tag = '', ...rest] = part.trim().split(';');
    const base = tag.trim().toLowerCase().split('-')[0];
    const qParam = rest.map((r) => r.trim()).find((r) => r.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (isLang(base) && Number.isFinite(q) && q > bestQ) {
      best = base;
      bestQ = q;
    }
  }
  return best;
}

/**
 * The reader's language: the footer switch's cookie, else Accept-Language, else Spanish.
 * nginx's micro-cache keys on the same decision (nginx/templates/bookstore.conf.template): it caches
 * only when the cookie is absent or is one plain `lang=en` / `lang=es`, and bypasses otherwise.
 */
export function languageOf(req: Request): Language {
  const cookie = singleCookie(req.headers.cookie, LANG_COOKIE);
  const lang = isLang(cookie) ? cookie : (fromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LANG);
  return LANGUAGES[lang];
}

const WSP = /^[ \t]+|[ \t]+$/g;

/**
 * The value of the one cookie called exactly `name` in a Cookie header, read as RFC 6265 (5.2, 5.4)
 * says: pairs split on ";", the name and the value stripped of spaces and tabs only, nothing
 * decoded or unquoted. When the name is there twice, which one the browser meant is unknowable (two
 * paths or domains), so neither counts: undefined. Why not the `cookie` package (which express
 * uses): it keeps the first of two and percent-decodes the value, so it could not say "two".
 */
export function singleCookie(header: string | undefined, name: string): string | undefined {
  // Most requests have no cookie at all, or none of this name: no splitting for them.
  if (!header?.includes(name)) return undefined;
  let found: string | undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).replace(WSP, '') !== name) continue;
    if (found !== undefined) return undefined;
    found = pair.slice(eq + 1).replace(WSP, '');
  }
  return found;
}
