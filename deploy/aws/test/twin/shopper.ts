// Shoppers of the twin, through the ALB stand-in over HTTPS (its certificate the only one trusted):
// a browser-like client (cookies, the forms' CSRF and checkout tokens, English pages), the journeys'
// steps (register, publish a book with a cover, buy one copy) and a load loop that counts every
// answer and every socket error.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { crc32, deflateSync } from 'node:zlib';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export const PASSWORD = 'a long and unusual passphrase';

export class Shopper {
  private cookies = new Map<string, string>();
  private agent: Agent;
  readonly base: string;
  /** The address it registered with. */
  email = '';
  constructor(base: string, ca: Buffer) {
    this.base = base;
    this.agent = new Agent({ keepAlive: true, ca, maxSockets: 4 });
  }

  send(method: string, path: string, body?: Buffer, contentType?: string): Promise<Answer> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { 'accept-language': 'en' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body) Object.assign(headers, { 'content-type': contentType!, 'content-length': String(body.length) });
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port || 443, path: url.pathname + url.search, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
            const [pair] = c.split(';');
            const eq = pair!.indexOf('=');
            this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
          }
          resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.setTimeout(20_000, () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }
  get(path: string) {
    return this.send('GET', path);
  }
  postForm(path: string, fields: Record<string, string>) {
    return this.send('POST', path, Buffer.from(new URLSearchParams(fields).toString()), 'application/x-www-form-urlencoded');
  }
  postMultipart(path: string, fields: Record<string, string>, file?: { field: string; name: string; type: string; bytes: Buffer }) {
    const boundary = `----twin${randomBytes(8).toString('hex')}`;
    const parts: Buffer[] = Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    if (file) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.bytes, Buffer.from('\r\n'));
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return this.send('POST', path, Buffer.concat(parts), `multipart/form-data; boundary=${boundary}`);
  }
  close() {
    this.agent.destroy();
  }
}

export const instanceOf = (a: Answer) => String(a.headers['x-instance'] ?? '?');
const field = (html: string, name: string) => {
  const value = new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1];
  if (!value) throw new Error(`no ${name} on the page`);
  return value;
};

/** Registers through the real form (and so is logged in). */
export async function register(base: string, ca: Buffer, name: string) {
  const shopper = new Shopper(base, ca);
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${randomBytes(4).toString('hex')}@example.com`;
  const page = await shopper.get('/register');
  const res = await shopper.postForm('/register', { _csrf: field(page.text, '_csrf'), name, email, password: PASSWORD, password_confirm: PASSWORD });
  if (res.status !== 302) throw new Error(`registration answered ${res.status}: ${res.text.slice(0, 300)}`);
  shopper.email = email;
  return shopper;
}

/** A solid-colour PNG, width × height. */
export function png(width: number, height: number) {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([len, Buffer.from(type), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [40, 90, 160]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** Publishes a book through the selling form; its id and the instance that took it. */
export async function publishBook(shopper: Shopper, book: { title: string; price: string; stock: string }, cover?: Buffer) {
  const page = await shopper.get('/book/add_book');
  const fields = { _csrf: field(page.text, '_csrf'), title: book.title, author: 'Octavia E. Butler', description: 'A well-kept copy, no marks.', condition: 'good', price: book.price, stock: book.stock };
  const res = await shopper.postMultipart('/book/add_book', fields, cover && { field: 'cover', name: 'cover.png', type: 'image/png', bytes: cover });
  const id = /^\/book\/(\d+)$/.exec(String(res.headers.location ?? ''))?.[1];
  if (res.status !== 302 || !id) throw new Error(`publishing answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { id: Number(id), instance: instanceOf(res) };
}

/** Buy now, one copy, with the page's own checkout token: the status, the purchase id on success. */
export async function buyOne(shopper: Shopper, bookId: number): Promise<{ status: number; purchaseId?: number; instance: string }> {
  const page = await shopper.get(`/buy/${bookId}`);
  if (page.status !== 200) return { status: page.status, instance: instanceOf(page) };
  const res = await shopper.postForm(`/buy/${bookId}`, { _csrf: field(page.text, '_csrf'), checkout_token: field(page.text, 'checkout_token'), quantity: '1' });
  const id = /^\/delivery\/(\d+)$/.exec(String(res.headers.location ?? ''))?.[1];
  return { status: res.status, purchaseId: id ? Number(id) : undefined, instance: instanceOf(res) };
}

export interface Outcome {
  /** What was done: "GET /path" or "buy". */
  what: string;
  status: number;
  error?: string;
  instance: string;
  purchaseId?: number;
  /** What the drill was doing when the request started. */
  phase?: string;
  at: number;
}

/** Runs `step` in `workers` parallel loops until stop() (or maxMs); every outcome is kept. */
export function loop(workers: number, step: (worker: number, i: number) => Promise<Omit<Outcome, 'at'>>, maxMs = 600_000) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const until = Date.now() + maxMs;
  const running = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; !stopped && Date.now() < until; i++) {
      try {
        outcomes.push({ ...(await step(w, i)), at: Date.now() });
      } catch (err) {
        outcomes.push({ what: 'step', status: -1, error: String(err), instance: '?', at: Date.now() });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    outcomes,
    async stop() {
      stopped = true;
      await Promise.all(running);
      return outcomes;
    },
  };
}

/** Counts by status ("200": n, "error": n) and by instance, for the summary. */
export function tally(outcomes: Outcome[]) {
  const by = (key: (o: Outcome) => string) => Object.fromEntries([...outcomes.reduce((m, o) => m.set(key(o), (m.get(key(o)) ?? 0) + 1), new Map<string, number>())].sort());
  return { total: outcomes.length, statuses: by((o) => (o.status === -1 ? 'error' : String(o.status))), instances: by((o) => o.instance) };
}
