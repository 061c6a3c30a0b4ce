// Calls from one service to another: JSON over HTTP with a service token, a timeout, and one retry
// for calls that are safe to repeat. Anything that means "the other service cannot answer now"
// (refused, timed out, 5xx) becomes ServiceUnavailable, which the error handler shows as a 503 page.
import { HttpError } from '../http/errors.js';

export class ServiceUnavailable extends HttpError {
  constructor(readonly service: string) {
    super(503, 'Part of the shop is temporarily unavailable. Nothing was bought or charged; please try again in a moment.', 'Temporarily unavailable');
  }
}

export interface ServiceClientOptions {
  /** The callee's name: the service token's audience and the name in errors. */
  service: string;
  baseUrl: string;
  timeoutMs: number;
  token: (audience: string) => Promise<string>;
}

export interface CallOptions {
  /** Safe to send twice: retried once when the callee cannot answer. */
  idempotent?: boolean;
  /** 4xx statuses that are answers (a refusal the caller turns back into its error), read like a 2xx. */
  answers?: readonly number[];
}

export type Call = <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, opts?: CallOptions) => Promise<T>;

export function serviceClient({ service, baseUrl, timeoutMs, token }: ServiceClientOptions): Call {
  const once = async (method: string, path: string, body: unknown): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${await token(service)}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(new URL(path, baseUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  };
  return async <T>(method: string, path: string, body?: unknown, { idempotent = false, answers = [] }: CallOptions = {}): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined;
      try {
        res = await once(method, path, body);
      } catch {
        res = undefined; // refused, reset or timed out
      }
      if (res && res.status < 500) {
        if (!res.ok && !answers.includes(res.status)) throw new Error(`${service} answered ${res.status} to ${method} ${path}`);
        return (await res.json()) as T;
      }
      if (!idempotent || attempt >= 2) throw new ServiceUnavailable(service);
    }
  };
}
