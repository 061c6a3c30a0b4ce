// The cart: what the buyer means to buy. Stock is only checked here to warn; checkout decides.
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Pool } from '../db/pool.js';
import { Conflict, Forbidden } from '../http/errors.js';
import { notForSale } from './orders.errors.js';
import * as repo from './cart.repo.js';
import * as purchasesRepo from './purchases.repo.js';
import { createPurchase, type PurchaseResult } from './purchases.service.js';

export interface CartLine {
  bookId: number;
  quantity: number;
  title: string;
  author: string;
  sellerId: number;
  priceCents: number;
  stock: number;
  listed: boolean;
  coverKey: string | null;
}

export interface CartView {
  lines: (CartLine & { problem: string | null; lineCents: number })[];
  itemsCents: number;
  count: number;
  canCheckout: boolean;
}

/**
 * The cart with its books as catalog has them now. A line whose book no longer exists in the
 * catalog (its seller deleted it) leaves the cart: there is no foreign key to do it.
 */
export async function viewCart(pool: Pool, catalog: CatalogPort, userId: number): Promise<CartView> {
  const items = await repo.listCart(pool, userId);
  const books = new Map(items.length ? (await catalog.booksForSale(items.map((i) => i.bookId))).map((b) => [b.id, b]) : []);
  const gone = items.filter((i) => !books.has(i.bookId)).map((i) => i.bookId);
  if (gone.length) await repo.removeFromCart(pool, userId, gone);
  const lines = items.flatMap((item) => {
    const book = books.get(item.bookId);
    if (!book) return [];
    let problem: string | null = null;
    if (!book.listed) problem = 'No longer for sale.';
    else if (book.stock === 0) problem = 'Sold out.';
    else if (book.stock < item.quantity) problem = 'Only {n} left: lower the quantity.'; // the page fills {n} with the stock
    const line: CartLine = { ...item, title: book.title, author: book.author, sellerId: book.sellerId, priceCents: book.priceCents, stock: book.stock, listed: book.listed, coverKey: book.coverKey };
    return [{ ...line, problem, lineCents: book.priceCents * item.quantity }];
  });
  return {
    lines,
    itemsCents: lines.reduce((sum, l) => sum + l.lineCents, 0),
    count: lines.reduce((sum, l) => sum + l.quantity, 0),
    canCheckout: lines.length > 0 && lines.every((l) => l.problem === null),
  };
}

export async function addToCart(pool: Pool, catalog: CatalogPort, userId: number, bookId: number, quantity: number): Promise<string> {
  const [book] = await catalog.booksForSale([bookId]);
  if (!book || !book.listed) throw notForSale();
  if (book.sellerId === userId) throw new Forbidden('This is your own book: you cannot buy it.');
  if (book.stock === 0) throw new Conflict('Sorry, “{title}” is sold out.', { title: book.title });
  await repo.addToCart(pool, userId, bookId, Math.min(quantity, book.stock));
  return book.title;
}

export async function updateCart(pool: Pool, userId: number, bookId: number, quantity: number): Promise<void> {
  if (quantity === 0) await repo.removeFromCart(pool, userId, [bookId]);
  else await repo.setCartQuantity(pool, userId, bookId, quantity);
}

export async function removeFromCart(pool: Pool, userId: number, bookId: number): Promise<void> {
  await repo.removeFromCart(pool, userId, [bookId]);
}

/** One purchase for the whole cart; the purchased lines leave the cart in the same transaction. */
export async function checkout(pool: Pool, catalog: CatalogPort, userId: number, checkoutToken: string, ttlMinutes: number): Promise<PurchaseResult> {
  const lines = await repo.listCart(pool, userId);
  if (lines.length === 0) {
    // An empty cart after a double submit: the first submit already made the purchase.
    const made = await purchasesRepo.findPurchaseByToken(pool, userId, checkoutToken);
    if (made) return { purchase: made, created: false };
    throw new Conflict('Your cart is empty.');
  }
  return createPurchase(pool, catalog, { buyerId: userId, lines, checkoutToken, ttlMinutes, fromCart: true });
}
