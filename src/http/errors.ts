// Typed errors carry their HTTP status; one handler (error-handler.ts) turns them into a page or JSON.
export type FieldErrors = Record<string, string>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly title = 'Something went wrong',
  ) {
    super(message);
  }
}

export class BadRequest extends HttpError {
  constructor(message = 'The request could not be understood.') {
    super(400, message, 'Bad request');
  }
}
export class Unauthorized extends HttpError {
  constructor(message = 'Please log in.') {
    super(401, message, 'Login required');
  }
}
export class Forbidden extends HttpError {
  constructor(message = 'You are not allowed to do that.') {
    super(403, message, 'Not allowed');
  }
}
export class NotFound extends HttpError {
  constructor(message = 'We could not find that page.') {
    super(404, message, 'Not found');
  }
}
export class Conflict extends HttpError {
  constructor(message: string) {
    super(409, message, 'That cannot be done now');
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
  ) {
    super(429, message, 'Too many attempts');
  }
}
