// The errors only orders raise, and the one wording of "this book cannot be bought".
import { Conflict, HttpError, NotFound, type Params } from '../http/errors.js';

/** A book that is unknown, unlisted or no longer for sale, wherever a buyer meets it. */
export const NOT_FOR_SALE = 'This book is not for sale.';
export const notForSale = (): NotFound => new NotFound(NOT_FOR_SALE);

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
