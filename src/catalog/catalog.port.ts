// What other features may ask of catalog. In the monolith the in-process implementation
// (catalog.local.ts) is wired; when the shop is split into services an HTTP client goes behind the
// same interface (services/catalog.client.ts), so callers cannot tell.
// Types only: importing this module brings in no catalog code.

/** A book as a buyer's cart or checkout needs it. */
export interface BookForSale {
  id: number;
  title: string;
  author: string;
  priceCents: number;
  stock: number;
  sellerId: number;
  sellerName: string;
  coverKey: string | null;
  /** false once its seller took it off the catalog: it cannot be bought any more. */
  listed: boolean;
}

export interface StockLine {
  bookId: number;
  quantity: number;
}

/** One line of a reservation, with the book as it was when the stock was taken. */
export interface ReservedLine extends StockLine {
  title: string;
  author: string;
  sellerId: number;
  sellerName: string;
  unitPriceCents: number;
}

/**
 * held: the stock is taken, and goes back by itself at holdUntil unless committed.
 * committed: the stock is sold; it goes back only by release.
 * released: the stock went back (exactly once).
 */
export type ReservationState = 'held' | 'committed' | 'released';

export interface Reservation {
  key: string;
  state: ReservationState;
  holdUntil: Date;
  /** In book id order. */
  lines: ReservedLine[];
}

/** Why nothing was reserved: the first line (in book id order) that could not be had. */
export interface Refusal {
  bookId: number;
  reason: 'not_for_sale' | 'sold_out';
  /** Copies left when refused (0 for a book not for sale). */
  stock: number;
}

export type ReserveOutcome = { reserved: Reservation } | { refused: Refusal };

/** A seller's record as orders computes it (180 days), shown on their books' pages. */
export interface SellerStats {
  sellerId: number;
  /** Parcels whose outcome is known (delivered, or cancelled by the seller or the deadline). */
  decidedParcels: number;
  /** Of those, delivered without a claim at the seller's fault, per thousand; null with none decided. */
  completedPermille: number | null;
  /** Median minutes from payment to shipping; null when nothing shipped. */
  medianShipMinutes: number | null;
}

export interface CatalogPort {
  /** These books (listed or not; unknown ids are left out), in no particular order. */
  booksForSale(ids: number[]): Promise<BookForSale[]>;
  /**
   * Takes the stock of every line or of none (one transaction), never below zero. Idempotent by
   * key: the same key again reserves nothing more and answers the reservation it made, whatever
   * lines it is sent. A refusal leaves no trace, so the key may be tried again.
   */
  reserve(key: string, lines: StockLine[], opts: { holdUntil: Date }): Promise<ReserveOutcome>;
  /** held → committed (sold). true if it is committed now; false if it was released (or unknown). */
  commit(key: string): Promise<boolean>;
  /** Returns the stock, exactly once: true for the call that returned it, false otherwise. */
  release(key: string): Promise<boolean>;
  /**
   * Returns the stock of these books' lines of a committed (sold) reservation, each line exactly
   * once however often it is asked (a parcel cancelled after payment). true if this call returned any.
   */
  returnLines(key: string, bookIds: number[]): Promise<boolean>;
  /** Stores these sellers' records (replacing what was there), for their books' pages. */
  publishSellerStats(stats: SellerStats[]): Promise<void>;
}
