-- Catalog indexes. Each browse order has an index that starts with `listed` and carries the
-- filter columns, so the id-only page query is answered from the index alone (no row reads)
-- and page 400 skips index entries rather than rows.
ALTER TABLE books
  ADD KEY idx_books_newest (listed, created_at, id, price_cents, stock, book_condition),
  ADD KEY idx_books_price (listed, price_cents, id, stock, book_condition),
  ADD KEY idx_books_title (listed, title, id),
  ADD KEY idx_books_author (listed, author);

-- Search over title, author and description (one FULLTEXT index per ALTER for InnoDB).
ALTER TABLE books ADD FULLTEXT KEY ft_books_text (title, author, description);
