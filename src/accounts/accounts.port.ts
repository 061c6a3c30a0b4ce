// What other features may ask of accounts. In the monolith app.ts wires the in-process
// implementation (accounts.local.ts); a separate auth service would put an HTTP client
// behind the same interface. Other features keep no copy of users except what they must
// show later (a seller's name on a listing, copied when the book is listed; the address a
// purchase ships to, copied when the buyer chooses it).

export interface AccountSummary {
  id: number;
  name: string;
  email: string;
}

/** Where a parcel goes, as the buyer typed it. `country` is an ISO 3166-1 alpha-2 code. */
export interface PostalAddress {
  recipient: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
  phone: string;
}

/** One entry of a shopper's address book. */
export interface ShippingAddress extends PostalAddress {
  id: number;
  isDefault: boolean;
}

/** The logged-in account as every page needs it (the same shape as accounts' own User). */
export interface SessionAccount extends AccountSummary {
  role: 'user' | 'admin';
  sessionVersion: number;
  disabled: boolean;
  createdAt: Date;
}

export interface AccountsPort {
  /** The accounts with these ids; unknown ids are left out. */
  usersByIds(ids: number[]): Promise<AccountSummary[]>;
  /** The user's address book, the default first. */
  addressesOfUser(userId: number): Promise<ShippingAddress[]>;
  /** The address if it is this user's own; null for an unknown id or someone else's. */
  addressOfUser(userId: number, addressId: number): Promise<ShippingAddress | null>;
  /**
   * Validates the form fields (recipient, line1, line2, city, region, postal_code, country, phone)
   * and adds them to the user's address book. Throws Invalid (422, field messages) or Conflict (409,
   * the book is full).
   */
  addAddress(userId: number, fields: unknown): Promise<ShippingAddress>;
  /**
   * Checks the fields as addAddress would (Invalid, or Conflict when the book is full) and saves
   * nothing: for a caller that may add the address only once something else has succeeded.
   */
  checkAddress(userId: number, fields: unknown): Promise<void>;
  /**
   * The account behind a session, or null when it is disabled or its session version moved on
   * (password changed, disabled): that is how a session ends everywhere at once.
   */
  sessionUser(id: number, sessionVersion: number): Promise<SessionAccount | null>;
}
