// Demo books: realistic and varied, inserted in multi-row batches (100k books in seconds), for
// sellers that accounts made (src/seed.cli.ts puts the two together).
import { faker } from '@faker-js/faker';
import sharp from 'sharp';
import type { Pool } from '../db/pool.js';
import { CONDITIONS } from './catalog.repo.js';
import { encodeCover, storeCover } from './covers.js';

const BATCH = 2000;
const PARALLEL = 4;

export interface SeedBooksOptions {
  books: number;
  uploadDir: string;
  /** How many books get a generated cover image (default: one in ten, at most 100). */
  covers?: number;
}

function isbn13(): string {
  const body = `978${faker.string.numeric(9)}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (i % 2 === 0 ? 1 : 3) * Number(body[i]);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

const NOTES = [
  'Spine slightly creased, pages clean.',
  'A few pencil notes in the margins.',
  'Dust jacket intact, minor shelf wear.',
  'Previous owner’s name on the first page.',
  'Corners a little bumped; otherwise like new.',
  'Read once, kept on a shelf away from the sun.',
  'Some yellowing of the pages, binding tight.',
  'Library discard with the usual stamps.',
  'Signed by the author on the title page.',
  'Paperback, light reading creases.',
];

function title(): string {
  switch (faker.number.int(4)) {
    case 0:
    case 1:
      return faker.book.title();
    case 2:
      return `The ${faker.word.adjective()} ${faker.word.noun()}`.replace(/\b\w/g, (c) => c.toUpperCase());
    case 3:
      return `${faker.word.noun()} of ${faker.location.city()}`.replace(/^\w/, (c) => c.toUpperCase());
    default:
      return `${faker.book.series()}: ${faker.word.words({ count: { min: 1, max: 3 } })}`.slice(0, 200);
  }
}

function book(seller: { id: number; name: string }, now: number): unknown[] {
  const genre = faker.book.genre();
  const description = `${genre}, ${faker.book.format().toLowerCase()} edition published by ${faker.book.publisher()}. ${faker.helpers.arrayElement(NOTES)} ${faker.lorem.sentence()}`;
  const price = faker.helpers.weightedArrayElement([
    { weight: 6, value: faker.number.int({ min: 100, max: 2000 }) },
    { weight: 3, value: faker.number.int({ min: 2000, max: 6000 }) },
    { weight: 1, value: faker.number.int({ min: 6000, max: 50000 }) },
  ]);
  const stock = faker.helpers.weightedArrayElement([
    { weight: 1, value: 0 },
    { weight: 7, value: 1 },
    { weight: 2, value: faker.number.int({ min: 2, max: 12 }) },
  ]);
  const created = new Date(now - faker.number.int({ min: 0, max: 730 * 86_400_000 }));
  return [
    seller.id,
    seller.name,
    title().slice(0, 200),
    (faker.datatype.boolean(0.6) ? faker.book.author() : faker.person.fullName()).slice(0, 120),
    faker.datatype.boolean(0.7) ? isbn13() : null,
    description,
    faker.helpers.arrayElement(CONDITIONS),
    price,
    stock,
    faker.datatype.boolean(0.98) ? 1 : 0,
    created,
    created,
  ];
}

async function coverImage(text: string): Promise<Buffer> {
  const hue = faker.number.int(359);
  const safe = text.replace(/[^\p{L}\p{N} .,:'-]/gu, '').slice(0, 40);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900"><rect width="600" height="900" fill="hsl(${hue},45%,35%)"/>
    <rect x="40" y="40" width="520" height="820" fill="none" stroke="hsl(${hue},45%,75%)" stroke-width="6"/>
    <text x="300" y="420" font-family="serif" font-size="44" fill="#fff" text-anchor="middle">${safe}</text></svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

/** Inserts demo books of these sellers into an already migrated database; returns the counts. */
export async function seedBooks(pool: Pool, sellers: { id: number; name: string }[], options: SeedBooksOptions): Promise<{ books: number; covers: number }> {
  if (sellers.length === 0) throw new Error('--users must be at least 1');

  const now = Date.now();
  const batches: number[] = [];
  for (let start = 0; start < options.books; start += BATCH) batches.push(Math.min(BATCH, options.books - start));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const size = batches[next++]!;
      const rows = Array.from({ length: size }, () => book(faker.helpers.arrayElement(sellers), now));
      await pool.query(
        `INSERT INTO books (seller_id, seller_name, title, author, isbn, description, book_condition, price_cents, stock, listed, created_at, updated_at) VALUES ?`,
        [rows],
      );
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));

  // Covers for the newest books, so the first catalog pages show pictures.
  const coverCount = Math.min(options.covers ?? Math.min(100, Math.floor(options.books / 10)), options.books);
  if (coverCount > 0) {
    const [rows] = await pool.query<import('mysql2').RowDataPacket[]>('SELECT id, title FROM books WHERE cover_key IS NULL ORDER BY created_at DESC, id DESC LIMIT ?', [coverCount]);
    for (const row of rows) {
      const key = await storeCover(options.uploadDir, await encodeCover(await coverImage(row.title as string)));
      await pool.query('UPDATE books SET cover_key = ? WHERE id = ?', [key, row.id]);
    }
  }
  return { books: options.books, covers: coverCount };
}
