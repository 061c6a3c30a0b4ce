// The one renderer of e-mails, for every feature's outbox: a template (a feature's own) returns the
// message's parts in the recipient's language; this writes them as plain text and as HTML, every
// value escaped. Templates never build markup, so nothing a user typed can become HTML.
import { LANGUAGES, type Lang, type Language } from '../i18n/i18n.js';
import type { Urls } from '../http/urls.js';

export interface MailContent {
  subject: string;
  /** "Hello, Ana," */
  greeting: string;
  paragraphs: string[];
  /** The one thing to do, as a button (HTML) and a bare link (text). */
  action?: { label: string; url: string };
  /** A small table: a receipt's lines, what to ship. */
  rows?: [string, string][];
  /** After the button: why you got this, what to do if it was not you. */
  closing?: string[];
}

export interface MailContext {
  language: Language;
  /** An absolute link to a canonical shop path, from PUBLIC_URL (never a request's Host). */
  link: (canonicalPath: string) => string;
}

/** A feature's template: its data (what the outbox row holds) to the message's parts. */
export type MailTemplate = (data: never, ctx: MailContext) => MailContent;
export type MailTemplates = Record<string, MailTemplate>;

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A row that cannot become an e-mail (no such template, data a template cannot read): trying again will not help. */
export class UnrenderableMail extends Error {}

export function mailLinks(baseUrl: string, urls: Urls): (path: string) => string {
  return (path) => `${baseUrl}${String(urls.publicUrl(path))}`;
}

export function renderMail(templates: MailTemplates, template: string, lang: string, data: unknown, link: (path: string) => string): RenderedMail {
  const render = Object.hasOwn(templates, template) ? templates[template] : undefined;
  if (!render) throw new UnrenderableMail(`no e-mail template "${template}"`);
  const language = LANGUAGES[(lang === 'en' ? 'en' : 'es') satisfies Lang];
  const c = render(data as never, { language, link });
  const t = language.t;
  const signature = t('The BookStore team');
  const text = [
    c.greeting,
    ...c.paragraphs,
    ...(c.rows?.length ? [c.rows.map(([k, v]) => `${k}: ${v}`).join('\n')] : []),
    ...(c.action ? [`${c.action.label}:\n${c.action.url}`] : []),
    ...(c.closing ?? []),
    signature,
  ].join('\n\n');
  const p = (s: string) => `<p style="margin:0 0 16px">${escape(s)}</p>`;
  const html = `<!doctype html>
<html lang="${language.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escape(c.subject)}</title></head>
<body style="margin:0;padding:24px;background:#f6f4ef;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;line-height:1.5">
<div style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
<p style="margin:0 0 24px;font-weight:700;font-size:20px;color:#7a4b1f">BookStore</p>
${p(c.greeting)}
${c.paragraphs.map(p).join('\n')}
${c.rows?.length ? `<table style="border-collapse:collapse;margin:0 0 16px">${c.rows.map(([k, v]) => `<tr><th style="text-align:left;padding:4px 12px 4px 0;font-weight:600;vertical-align:top">${escape(k)}</th><td style="padding:4px 0">${escape(v)}</td></tr>`).join('')}</table>` : ''}
${c.action ? `<p style="margin:24px 0"><a href="${escape(c.action.url)}" style="background:#7a4b1f;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escape(c.action.label)}</a></p><p style="margin:0 0 16px;font-size:13px;color:#555">${escape(t('If the button does not work, copy this link into your browser:'))}<br>${escape(c.action.url)}</p>` : ''}
${(c.closing ?? []).map(p).join('\n')}
${p(signature)}
</div></body></html>`;
  return { subject: c.subject, text, html };
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
