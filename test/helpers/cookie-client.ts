// A browser-like HTTP client for tests that go through a proxy over TLS: it keeps its own cookie jar,
// because superagent's drops the Secure __Host- session cookie on 127.0.0.1, and asks for English pages
// (or another language, or none: a browser that names no language).
import supertest from 'supertest';

type Request = ReturnType<ReturnType<typeof supertest>['get']>;

export interface Client {
  get(path: string): Request;
  post(path: string): Request;
}

export function client(base: string, { lang = 'en' }: { lang?: string | null } = {}): Client {
  const jar = new Map<string, string>();
  const wrap = (req: Request): Request => {
    void req.timeout(20_000);
    if (lang) void req.set('Accept-Language', lang);
    // The Cookie header is written when the request is sent, not when it is built (a form's token
    // is often fetched in between, and that fetch may start the session).
    const end = req.end.bind(req);
    req.end = ((cb?: Parameters<typeof end>[0]) => {
      if (jar.size) void req.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      return end(cb);
    }) as typeof req.end;
    req.on('response', (res: { headers: Record<string, string | string[] | undefined> }) => {
      for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
        const pair = c.split(';')[0] ?? '';
        const i = pair.indexOf('=');
        const [name, value] = [pair.slice(0, i), pair.slice(i + 1)];
        if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
        else jar.set(name, value);
      }
    });
    return req;
  };
  return { get: (path) => wrap(supertest(base).get(path)), post: (path) => wrap(supertest(base).post(path)) };
}
