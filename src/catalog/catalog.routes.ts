// Catalog pages. Anonymous browsing reads only: no session, no CSRF token, no writes.
import { Router, type Request, type RequestHandler } from 'express';
import type { Pool } from '../db/pool.js';
import { uploadedFiles } from '../http/body.js';
import { Invalid, type FieldErrors } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { PublicPages } from '../http/public-pages.js';
import { pageFromQuery, pageHref, pager, type Pager } from '../http/pagination.js';
import { parseInput, requireId, typedValues } from '../http/validate.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { Book } from './catalog.repo.js';
import { parseCatalogQuery } from './catalog.query.js';
import { bookSchema, CONDITION_LABELS, type BookInput } from './catalog.schema.js';
import * as catalog from './catalog.service.js';
import * as pages from './catalog.pages.js';
import { present, presentCard } from './catalog.view.js';
import { moneyInput } from '../money.js';
import { encodeCover, type EncodedCover } from './covers.js';

interface Deps {
  pool: Pool;
  uploadDir: string;
  listingsPerDay: number;
  accounts: AccountsPort;
  /** EMAIL_VERIFICATION=required: only accounts with a verified address list books. */
  emailVerificationRequired?: boolean;
}

const FORM_FIELDS = ['title', 'author', 'isbn', 'description', 'condition', 'price', 'stock'] as const;
const conditions = Object.entries(CONDITION_LABELS).map(([value, label]) => ({ value, label }));

function bookId(req: Request): number {
  return requireId(req.params.id, 'This book is not in the catalog.');
}

function bookValues(book: Book): Record<string, string> {
  return {
    title: book.title,
    author: book.author,
    isbn: book.isbn ?? '',
    description: book.description,
    condition: book.condition,
    price: moneyInput(book.priceCents),
    stock: String(book.stock),
  };
}

/** Validates the fields and the cover together, so every message shows at once. */
async function readBookForm(req: Request): Promise<{ input: BookInput; cover: EncodedCover | null }> {
  let input: BookInput | null = null;
  let fields: FieldErrors = {};
  try {
    input = parseInput(bookSchema, req.body);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    fields = { ...err.fields };
  }
  let cover: EncodedCover | null = null;
  const [file] = uploadedFiles(req, 'cover');
  if (file) {
    try {
      cover = await encodeCover(file.buffer);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      Object.assign(fields, err.fields);
    }
  }
  if (!input || Object.keys(fields).length) throw new Invalid(fields);
  return { input, cover };
}

/** The catalog knows its page count only near the end of a list (it never counts it all). */
function catalogPager(result: pages.CatalogPage, path: string, query: Record<string, string>): Pager {
  return pager({ page: result.page, pages: result.lastPage ?? 0, total: result.total ?? result.atLeast, hasNext: result.hasNext }, path, query);
}

export function catalogRoutes({ pool, uploadDir, listingsPerDay, accounts, emailVerificationRequired = false }: Deps): Router {
  const router = Router();
  const pageStarts = new pages.PageStarts();
  const publicPages = new PublicPages();

  router.get('/catalog', async (req, res, next) => {
    const { query, notices, values } = parseCatalogQuery(req.query);
    const result = await pages.listCatalog(pool, query, pageStarts);
    const filtered = Boolean(values.q || values.condition || values.min_price || values.max_price || values.in_stock);
    publicPages.render(req, res, next, 'catalog/catalog', {
      title: values.q ? `Search: ${values.q}` : 'Catalog',
      books: result.books.map(presentCard),
      // The figures only: the rows are in `books` already (this object is the render's identity too).
      result: { page: result.page, total: result.total, atLeast: result.atLeast },
      pager: catalogPager(result, '/book/catalog', values),
      firstHref: pageHref('/book/catalog', values, 1),
      values,
      notices,
      filtered,
      conditions,
    });
  });

  router.get('/my_books', requireLogin, async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const result = await pages.listSellerBooks(pool, req.user!.id, page);
    res.render('catalog/my-books', { title: 'My books', books: result.books.map(present), result, pager: catalogPager(result, '/book/my_books', {}) });
  });

  // EMAIL_VERIFICATION=required: listing a book needs a verified address (browsing and buying do not).
  const verifiedSeller: RequestHandler = (req, res, next) => {
    if (!emailVerificationRequired || req.user!.emailVerified) return next();
    res.status(403).render('catalog/verify-first', { title: 'Verify your e-mail address first' });
  };

  router.get('/add_book', requireLogin, verifiedSeller, (_req, res) => {
    res.render('catalog/form', { title: 'Sell a book', mode: 'add', book: null, values: { stock: '1', condition: '' }, errors: {}, conditions });
  });

  router.post('/add_book', requireLogin, verifiedSeller, async (req, res) => {
    try {
      const { input, cover } = await readBookForm(req);
      const id = await catalog.addBook(pool, accounts, uploadDir, req.user!.id, input, cover, listingsPerDay);
      req.log.info({ event: 'book_added', bookId: id, userId: req.user!.id }, 'book added');
      flash(req, 'success', `"${input.title}" is now listed in the catalog.`);
      res.redirect(`/book/${id}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      res.status(422).render('catalog/form', { title: 'Sell a book', mode: 'add', book: null, values: typedValues(req.body, FORM_FIELDS), errors: err.fields, conditions });
    }
  });

  router.get('/edit_book/:id', requireLogin, async (req, res) => {
    const book = present(await catalog.getOwnBook(pool, bookId(req), req.user!.id));
    res.render('catalog/form', { title: 'Edit {title}', titleParams: { title: book.title }, mode: 'edit', book, values: bookValues(book), errors: {}, conditions });
  });

  router.post('/edit_book/:id', requireLogin, async (req, res) => {
    const id = bookId(req);
    const book = present(await catalog.getOwnBook(pool, id, req.user!.id));
    try {
      const { input, cover } = await readBookForm(req);
      const removeCover = (req.body as Record<string, unknown> | undefined)?.remove_cover === '1';
      await catalog.editBook(pool, uploadDir, id, req.user!.id, input, { cover, removeCover });
      req.log.info({ event: 'book_edited', bookId: id, userId: req.user!.id }, 'book edited');
      flash(req, 'success', 'Your changes are saved.');
      res.redirect(`/book/${id}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      res.status(422).render('catalog/form', { title: 'Edit {title}', titleParams: { title: book.title }, mode: 'edit', book, values: typedValues(req.body, FORM_FIELDS), errors: err.fields, conditions });
    }
  });

  router.post('/delete_book/:id', requireLogin, async (req, res) => {
    const id = bookId(req);
    const outcome = await catalog.removeBook(pool, uploadDir, id, req.user!.id);
    req.log.info({ event: `book_${outcome}`, bookId: id, userId: req.user!.id }, `book ${outcome}`);
    flash(
      req,
      'success',
      outcome === 'deleted' ? 'The book has been deleted.' : 'The book has orders, so it was taken off the catalog instead of deleted; its order history is kept.',
    );
    res.redirect('/book/my_books');
  });

  router.get('/:id', async (req, res, next) => {
    const book = present(await catalog.getVisibleBook(pool, bookId(req), req.user?.id ?? null));
    // The seller's record: one primary-key read of what orders published (seller_stats).
    const sellerStats = await catalog.sellerStatsOf(pool, book.sellerId);
    publicPages.render(req, res, next, 'catalog/book', { title: book.title, book, sellerStats });
  });

  return router;
}
