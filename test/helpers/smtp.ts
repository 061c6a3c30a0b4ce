// A real SMTP server in the test process (smtp-server), which keeps every message it accepted,
// parsed (mailparser). It can be stopped and started again on the same port (an outage), and made
// to answer the next messages with an SMTP error.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  raw: string;
}

export interface TestSmtp {
  port: number;
  /** smtp://user:password@127.0.0.1:port */
  url: string;
  received: ReceivedMail[];
  /** Answer the next `n` messages with this SMTP code (e.g. 451, 550). */
  failNext(n: number, code: number): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The messages to this address. */
  to(address: string): ReceivedMail[];
  /** Waits until `n` messages were received in all (or fails after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>;
}

const addressText = (a: ParsedMail['to']): string => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : (a?.text ?? ''));

export async function startSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let failures: { left: number; code: number } = { left: 0, code: 0 };
  let server: SMTPServer;
  let port = 0;
  const listen = async () => {
    server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authOptional: false,
      logger: false,
      closeTimeout: 100, // stop() is an outage: open connections are cut, not waited for
      onAuth: (auth, _session, cb) => (auth.username === 'mailer' && auth.password === 'secret-pass' ? cb(null, { user: 'mailer' }) : cb(new Error('bad credentials'))),
      onData: (stream, _session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (failures.left > 0) {
            failures.left--;
            const err = Object.assign(new Error(failures.code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: failures.code });
            return cb(err);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw)
            .then((m) => {
              received.push({ to: addressText(m.to), subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '', messageId: m.messageId ?? '', raw });
              cb();
            })
            .catch((e: Error) => cb(e));
        });
      },
    });
    server.listen(port, '127.0.0.1');
    await once(server.server, 'listening');
    port = (server.server.address() as AddressInfo).port;
  };
  await listen();
  const smtp: TestSmtp = {
    port,
    url: `smtp://mailer:secret-pass@127.0.0.1:${port}`,
    received,
    failNext: (n, code) => (failures = { left: n, code }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
    start: listen,
    to: (address) => received.filter((m) => m.to.toLowerCase().includes(address.toLowerCase())),
    async waitFor(n, ms = 10_000) {
      const until = Date.now() + ms;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} e-mails, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  return smtp;
}

/** The first link in a message's text that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}[^\\s]+`).exec(mail.text);
  if (!match) throw new Error(`no link to ${prefix} in "${mail.subject}"`);
  return match[0];
}

import type { Pool } from '../../src/db/pool.js';
import type { Config } from '../../src/config.js';
import type { Ports } from '../../src/ports.js';
import { accountMails } from '../../src/accounts/accounts.mails.js';
import { linkSealer } from '../../src/accounts/link-seal.js';
import { MONOLITH } from '../../src/http/urls.js';
import { createLogger } from '../../src/logger.js';
import { smtpMailer } from '../../src/mail/mailer.js';
import { outboxSender, sendDueMail, type Sender } from '../../src/mail/outbox.js';
import { orderMailSender } from '../../src/orders/orders.mails.js';

/** The two senders the app's jobs run (accounts' and orders'), on the test app's pool and SMTP_URL. */
export function senders(t: { pool: Pool; config: Config; ports: Ports; logs: string[] }): { account: Sender; order: Sender; close(): void } {
  const mailer = smtpMailer(t.config.smtpUrl!, t.config.mailFrom);
  const logger = createLogger('info', { write: (line: string) => void t.logs.push(line) });
  const deps = { pool: t.pool, config: t.config, logger, mailer, urls: MONOLITH };
  return {
    account: outboxSender(deps, 'account_outbox', accountMails(linkSealer(t.config.sessionSecret))),
    order: orderMailSender({ ...deps, accounts: t.ports.accounts }),
    close: () => mailer.close(),
  };
}

/** Runs both senders until nothing is due (what the jobs do every 2 seconds). */
export async function drain(s: { account: Sender; order: Sender }): Promise<number> {
  let total = 0;
  for (;;) {
    const n = (await sendDueMail(s.account)) + (await sendDueMail(s.order));
    if (n === 0) return total;
    total += n;
  }
}
