// Typed errors carry their HTTP status; one handler (error-handler.ts) turns them into a page or JSON.
// A message is an English template ("{title} is sold out.") with its params: the handler shows it
// in the reader's language; `message` (for logs) is the English text.
import { interpolate, type Params } from '../i18n/format.js';

export type { Params };
export type FieldErrors = Record<string, string>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly template: string,
    readonly title = 'Something went wrong',
    readonly params: Params = {},
  ) {
    super(interpolate(template, params));
  }
}

export class BadRequest extends HttpError {
  constructor(message = 'The request could not be understood.', params?: Params) {
    super(400, message, 'Bad request', params);
  }
}
export class Unauthorized extends HttpError {
  constructor(message = 'Please log in.', params?: Params) {
    super(401, message, 'Login required', params);
  }
}
export class Forbidden extends HttpError {
  constructor(message = 'You are not allowed to do that.', params?: Params) {
    super(403, message, 'Not allowed', params);
  }
}
export class NotFound extends HttpError {
  constructor(message = 'We could not find that page.', params?: Params) {
    super(404, message, 'Not found', params);
  }
}
export class Conflict extends HttpError {
  constructor(message: string, params?: Params) {
    super(409, message, 'That cannot be done now', params);
  }
}
export class UnsupportedMediaType extends HttpError {
  constructor(message = 'Send the body as application/json.') {
    super(415, message, 'Unsupported media type');
  }
}
/** Input that failed validation: the field messages go back next to the fields. */
export class Invalid extends HttpError {
  constructor(
    readonly fields: FieldErrors,
    message = 'Some fields are not valid.',
  ) {
    super(422, message, 'Please check the form');
  }
}
export class TooManyRequests extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    params?: Params,
  ) {
    super(429, message, 'Too many attempts', params);
  }
}
