// Fixtures for catalog tests: books inserted directly (with the seller's name from accounts, as
// catalog copies it), real images made with sharp, files on disk.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { usersByIds } from '../../src/accounts/accounts.service.js';
import type { Pool, ResultSetHeader, RowDataPacket } from '../../src/db/pool.js';

export interface BookFixture {
  title?: string;
  author?: string;
  isbn?: string | null;
  description?: string;
  condition?: string;
  priceCents?: number;
  stock?: number;
  listed?: boolean;
  createdAt?: Date;
}

export async function insertBook(pool: Pool, sellerId: number, b: BookFixture = {}): Promise<number> {
  const [seller] = await usersByIds(pool, [sellerId]);
  const [result] = await pool.execute<ResultSetHeader>(
    `INSERT INTO books (seller_id, seller_name, title, author, isbn, description, book_condition, price_cents, stock, listed, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      sellerId,
      seller?.name ?? '',
      b.title ?? 'A Test Book',
      b.author ?? 'Some Author',
      b.isbn ?? null,
      b.description ?? 'A fine copy.',
      b.condition ?? 'good',
      b.priceCents ?? 1250,
      b.stock ?? 1,
      b.listed === false ? 0 : 1,
      b.createdAt ?? new Date(),
    ],
  );
  return result.insertId;
}

export async function bookRow(pool: Pool, id: number): Promise<RowDataPacket | undefined> {
  const [rows] = await pool.execute<RowDataPacket[]>('SELECT * FROM books WHERE id = ?', [id]);
  return rows[0];
}

export async function countBooks(pool: Pool, where = '1 = 1', params: unknown[] = []): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM books WHERE ' + where, params);
  return Number(rows[0]?.n);
}

export function jpeg(width = 400, height = 600, color = '#8a3b12'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).jpeg().toBuffer();
}

export function png(width = 300, height = 450): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: '#1e6b3a' } }).png().toBuffer();
}

/** Every file under the upload folder's covers/ (empty when nothing was ever written). */
export function coverFiles(uploadDir: string): string[] {
  const dir = join(uploadDir, 'covers');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** The multipart fields of a valid book form. */
export function bookForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    title: 'The Left Hand of Darkness',
    author: 'Ursula K. Le Guin',
    isbn: '978-0-441-47812-5',
    description: 'Paperback, lightly read.',
    condition: 'very_good',
    price: '12.50',
    stock: '2',
    ...overrides,
  };
}
