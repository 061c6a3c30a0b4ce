-- Newest-first browsing reads its index forwards (descending keys; MySQL 8 and MariaDB 10.8+).
-- The narrow index serves the unfiltered catalog with the fewest bytes per skipped entry
-- (page 400 skips ~9,600 of them); the wide one keeps filtered pages (in stock, condition,
-- price range) answered from the index alone.
ALTER TABLE books
  DROP KEY idx_books_newest,
  ADD KEY idx_books_newest (listed, created_at DESC, id DESC),
  ADD KEY idx_books_newest_filters (listed, created_at DESC, id DESC, stock, price_cents, book_condition);
