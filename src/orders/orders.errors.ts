import { Conflict, HttpError, type Params } from '../http/errors.js';

/** Not enough copies left: the page says which book and how many remain. */
export class SoldOut extends Conflict {
  constructor(
    message: string,
    readonly bookId: number,
    params?: Params,
  ) {
    super(message, params);
  }
}

/** The (simulated) bank refused the payment; nothing changed. */
export class PaymentDeclined extends HttpError {
  constructor(message: string) {
    super(402, message, 'Payment declined');
  }
}
