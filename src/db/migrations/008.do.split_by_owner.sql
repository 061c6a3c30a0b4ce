-- The last migration of the shared history: from here on each feature keeps its own migrations
-- (src/<feature>/migrations, see README.md in this folder). This one runs only on databases made
-- before the split, while every table still sits in one database, so it may move data across
-- owners one last time.

-- The UPDATEs below say `updated_at = updated_at` so that backfilling leaves those times alone.

-- 1. No foreign key from one owner's table to another's: integrity across owners is the code's job.
ALTER TABLE books DROP FOREIGN KEY fk_books_seller;
ALTER TABLE purchases DROP FOREIGN KEY fk_purchases_buyer;
ALTER TABLE purchase_items DROP FOREIGN KEY fk_purchase_items_book, DROP FOREIGN KEY fk_purchase_items_seller;
ALTER TABLE cart_items DROP FOREIGN KEY fk_cart_items_user, DROP FOREIGN KEY fk_cart_items_book;
ALTER TABLE api_idempotency DROP FOREIGN KEY fk_api_idempotency_user;

-- 2. Catalog shows the seller's name without reading users: a copy made when the book is listed
--    (account names never change).
ALTER TABLE books ADD COLUMN seller_name VARCHAR(100) NOT NULL DEFAULT '' AFTER seller_id;
UPDATE books b JOIN users u ON u.id = b.seller_id SET b.seller_name = u.name, b.updated_at = b.updated_at;

-- 3. Catalog's stock reservations: orders take stock only through them (reserve, commit, release).
CREATE TABLE book_reservations (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  reservation_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, -- chosen by the caller
  state VARCHAR(10) NOT NULL DEFAULT 'held',
  hold_until DATETIME NOT NULL,            -- a held reservation not committed by then is released
  created_at DATETIME NOT NULL,
  committed_at DATETIME NULL,
  released_at DATETIME NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_book_reservations_key (reservation_key),
  KEY idx_book_reservations_hold (state, hold_until),
  CONSTRAINT chk_book_reservations_state CHECK (state IN ('held', 'committed', 'released'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What each reservation took, with the book as it was then (the answer a repeated reserve gets).
CREATE TABLE book_reservation_items (
  reservation_id INT UNSIGNED NOT NULL,
  book_id INT UNSIGNED NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  title VARCHAR(200) NOT NULL,
  author VARCHAR(120) NOT NULL,
  seller_id INT UNSIGNED NOT NULL,
  seller_name VARCHAR(100) NOT NULL,
  unit_price_cents INT UNSIGNED NOT NULL,
  PRIMARY KEY (reservation_id, book_id),
  KEY idx_book_reservation_items_book (book_id),
  CONSTRAINT fk_book_reservation_items_reservation FOREIGN KEY (reservation_id) REFERENCES book_reservations (id),
  CONSTRAINT chk_book_reservation_items_quantity CHECK (quantity BETWEEN 1 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 4. Orders: each purchase names the reservation that holds its stock, remembers when that stock
--    went back (a cancel whose release did not finish is retried), and keeps the seller's name.
ALTER TABLE purchases
  ADD COLUMN reservation_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL AFTER checkout_token,
  ADD COLUMN stock_released_at DATETIME NULL AFTER cancel_reason,
  ADD KEY idx_purchases_unreleased (status, stock_released_at);
ALTER TABLE purchase_items ADD COLUMN seller_name VARCHAR(100) NOT NULL DEFAULT '' AFTER seller_id;
UPDATE purchase_items i JOIN users u ON u.id = i.seller_id SET i.seller_name = u.name;

-- 5. Every existing purchase gets the reservation its stock was taken under: held while it waits
--    for payment, committed once paid, released once cancelled (its stock already went back).
UPDATE purchases SET reservation_key = CONCAT('legacy:', id), updated_at = updated_at;
INSERT INTO book_reservations (reservation_key, state, hold_until, created_at, committed_at, released_at)
  SELECT reservation_key,
         CASE status WHEN 'pending_payment' THEN 'held' WHEN 'paid' THEN 'committed' ELSE 'released' END,
         expires_at + INTERVAL 5 MINUTE, created_at, paid_at, cancelled_at
    FROM purchases;
INSERT INTO book_reservation_items (reservation_id, book_id, quantity, title, author, seller_id, seller_name, unit_price_cents)
  SELECT r.id, i.book_id, i.quantity, i.title, i.author, i.seller_id, i.seller_name, i.unit_price_cents
    FROM purchase_items i JOIN purchases p ON p.id = i.purchase_id JOIN book_reservations r ON r.reservation_key = p.reservation_key;
UPDATE purchases SET stock_released_at = COALESCE(cancelled_at, updated_at), updated_at = updated_at WHERE status = 'cancelled';
ALTER TABLE purchases MODIFY reservation_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

