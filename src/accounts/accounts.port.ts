// What other features may ask of accounts. In the monolith app.ts wires the in-process
// implementation (accounts.local.ts); a separate auth service would put an HTTP client
// behind the same interface. Other features keep no copy of users except what they must
// show later (a seller's name on a listing, copied when the book is listed).

export interface AccountSummary {
  id: number;
  name: string;
  email: string;
}

export interface AccountsPort {
  /** The accounts with these ids; unknown ids are left out. */
  usersByIds(ids: number[]): Promise<AccountSummary[]>;
}
