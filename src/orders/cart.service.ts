// The cart: what the buyer means to buy. Stock is only checked here to warn; checkout decides.
import type { Pool } from '../db/pool.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';
import * as repo from './cart.repo.js';
import type { CartLine } from './cart.repo.js';
import * as purchasesRepo from './purchases.repo.js';
import { createPurchase, type PurchaseResult } from './purchases.service.js';

export type { CartLine };

export interface CartView {
  lines: (CartLine & { problem: string | null; lineCents: number })[];
  itemsCents: number;
  count: number;
  canCheckout: boolean;
}

export async function viewCart(pool: Pool, userId: number): Promise<CartView> {
  const lines = (await repo.listCart(pool, userId)).map((line) => {
    let problem: string | null = null;
    if (!line.listed) problem = 'No longer for sale.';
    else if (line.stock === 0) problem = 'Sold out.';
    else if (line.stock < line.quantity) problem = `Only ${line.stock} left: lower the quantity.`;
    return { ...line, problem, lineCents: line.priceCents * line.quantity };
  });
  return {
    lines,
    itemsCents: lines.reduce((sum, l) => sum + l.lineCents, 0),
    count: lines.reduce((sum, l) => sum + l.quantity, 0),
    canCheckout: lines.length > 0 && lines.every((l) => l.problem === null),
  };
}

export async function addToCart(pool: Pool, userId: number, bookId: number, quantity: number): Promise<string> {
  const book = await purchasesRepo.findBook(pool, bookId);
  if (!book || !book.listed) throw new NotFound('This book is not for sale.');
  if (book.sellerId === userId) throw new Forbidden('This is your own book: you cannot buy it.');
  if (book.stock === 0) throw new Conflict(`Sorry, "${book.title}" is sold out.`);
  await repo.addToCart(pool, userId, bookId, Math.min(quantity, book.stock));
  return book.title;
}

export async function updateCart(pool: Pool, userId: number, bookId: number, quantity: number): Promise<void> {
  if (quantity === 0) await repo.removeFromCart(pool, userId, bookId);
  else await repo.setCartQuantity(pool, userId, bookId, quantity);
}

export async function removeFromCart(pool: Pool, userId: number, bookId: number): Promise<void> {
  await repo.removeFromCart(pool, userId, bookId);
}

/** One purchase for the whole cart; the purchased lines leave the cart in the same transaction. */
export async function checkout(pool: Pool, userId: number, checkoutToken: string, ttlMinutes: number): Promise<PurchaseResult> {
  const lines = await repo.listCart(pool, userId);
  if (lines.length === 0) {
    // An empty cart after a double submit: the first submit already made the purchase.
    const made = await purchasesRepo.findPurchaseByToken(pool, userId, checkoutToken);
    if (made) return { purchase: made, created: false };
    throw new Conflict('Your cart is empty.');
  }
  return createPurchase(pool, {
    buyerId: userId,
    lines: lines.map((l) => ({ bookId: l.bookId, quantity: l.quantity })),
    checkoutToken,
    ttlMinutes,
    fromCart: true,
  });
}
