// Books over JSON: the same schema and ownership rules as the pages (covers are set through the pages).
import { Router, type RequestHandler } from 'express';
import type { Pool } from '../db/pool.js';
import { pageFromQuery } from '../http/pagination.js';
import { parseInput, requireId } from '../http/validate.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import { bookSchema } from './catalog.schema.js';
import * as catalog from './catalog.service.js';
import * as pages from './catalog.pages.js';
import { toJson } from './catalog.view.js';

interface Deps {
  pool: Pool;
  uploadDir: string;
  listingsPerDay: number;
  bearer: RequestHandler;
  accounts: AccountsPort;
}


export function booksApiRoutes({ pool, uploadDir, listingsPerDay, bearer, accounts }: Deps): Router {
  const router = Router();

  router.get('/book/:id', bearer, async (req, res) => {
    const book = await catalog.getVisibleBook(pool, requireId(req.params.id, 'There is no book with this id.'), req.apiUser!.id);
    res.json({ book: toJson(book) });
  });

  router.get('/my_books', bearer, async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const result = await pages.listSellerBooks(pool, req.apiUser!.id, page);
    res.json({ books: result.books.map(toJson), page, hasNext: result.hasNext, total: result.total });
  });

  router.post('/add_book', bearer, async (req, res) => {
    const input = parseInput(bookSchema, req.body);
    const id = await catalog.addBook(pool, accounts, uploadDir, req.apiUser!.id, input, null, listingsPerDay);
    req.log.info({ event: 'book_added', bookId: id, userId: req.apiUser!.id, via: 'api' }, 'book added');
    const book = await catalog.getBook(pool, id);
    res.status(201).location(`/api/book/${id}`).json({ book: toJson(book!) });
  });

  router.put('/edit_book/:id', bearer, async (req, res) => {
    const id = requireId(req.params.id, 'There is no book with this id.');
    await catalog.getOwnBook(pool, id, req.apiUser!.id); // 404/403 before 422
    const input = parseInput(bookSchema, req.body);
    await catalog.editBook(pool, uploadDir, id, req.apiUser!.id, input, { cover: null, removeCover: false });
    const book = await catalog.getBook(pool, id);
    res.json({ book: toJson(book!) });
  });

  router.delete('/delete_book/:id', bearer, async (req, res) => {
    const outcome = await catalog.removeBook(pool, uploadDir, requireId(req.params.id, 'There is no book with this id.'), req.apiUser!.id);
    req.log.info({ event: `book_${outcome}`, bookId: req.params.id, userId: req.apiUser!.id, via: 'api' }, `book ${outcome}`);
    res.json({ outcome });
  });

  return router;
}
