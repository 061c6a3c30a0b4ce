// What other features may ask of accounts. In the monolith app.ts wires the in-process
// implementation (accounts.local.ts); a separate auth service would put an HTTP client
// behind the same interface. Other features keep no copy of users except what they must
// show later (a seller's name on a listing, copied when the book is listed).

export interface AccountSummary {
  id: number;
  name: string;
  email: string;
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
  /**
   * The account behind a session, or null when it is disabled or its session version moved on
   * (password changed, disabled): that is how a session ends everywhere at once.
   */
  sessionUser(id: number, sessionVersion: number): Promise<SessionAccount | null>;
}
