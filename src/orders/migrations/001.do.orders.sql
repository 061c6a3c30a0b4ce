-- Orders' tables as they stand after the shared history (src/db/migrations 001-008). On a database
-- made before the split they already exist and IF NOT EXISTS leaves them alone; on a new database
-- (the monolith's, or the orders service's own) this creates them. Later changes are new files here.
-- buyer_id, seller_id, user_id are account ids and book_id a catalog book id: no foreign keys to
-- them, since accounts and catalog may live in other databases.

CREATE TABLE IF NOT EXISTS delivery_providers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(80) NOT NULL,
  coverage VARCHAR(80) NOT NULL,
  cost_cents INT UNSIGNED NOT NULL,
  -- How long a provider takes from "shipped" to "delivered" (the simulation's pace, in real hours).
  delivery_hours INT UNSIGNED NOT NULL DEFAULT 72,
  retired_at DATETIME NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_delivery_providers_name (name),
  CONSTRAINT chk_delivery_providers_hours CHECK (delivery_hours BETWEEN 1 AND 2000),
  CONSTRAINT chk_delivery_providers_cost CHECK (cost_cents <= 100000000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The first providers, only into an empty table (a database from before the split has its own).
INSERT INTO delivery_providers (name, coverage, cost_cents, delivery_hours)
  SELECT p.name, p.coverage, p.cost_cents, p.delivery_hours FROM (
    SELECT 1 AS n, 'DHL' AS name, 'Internacional' AS coverage, 5000 AS cost_cents, 48 AS delivery_hours
    UNION ALL SELECT 2, 'FedEx', 'Internacional', 4500, 60
    UNION ALL SELECT 3, 'Envia', 'Nacional', 2000, 96
    UNION ALL SELECT 4, 'Servientrega', 'Nacional', 1500, 72
  ) p
  WHERE NOT EXISTS (SELECT 1 FROM delivery_providers)
  ORDER BY p.n;

-- The purchase's status moves only by conditional UPDATEs (WHERE status = ?). Its stock is held by
-- the catalog reservation named reservation_key; stock_released_at says that reservation was
-- released after a cancel (until then the expiry sweep retries the release).
CREATE TABLE IF NOT EXISTS purchases (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  buyer_id INT UNSIGNED NOT NULL,
  checkout_token VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  reservation_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'pending_payment',
  items_cents INT UNSIGNED NOT NULL DEFAULT 0,
  shipping_cents INT UNSIGNED NOT NULL DEFAULT 0,
  total_cents INT UNSIGNED NOT NULL DEFAULT 0,
  expires_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  paid_at DATETIME NULL,
  cancelled_at DATETIME NULL,
  cancel_reason VARCHAR(20) NULL,
  stock_released_at DATETIME NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_purchases_checkout_token (buyer_id, checkout_token),
  KEY idx_purchases_buyer (buyer_id, created_at),
  KEY idx_purchases_expiry (status, expires_at),
  KEY idx_purchases_status (status, created_at),
  KEY idx_purchases_unreleased (status, stock_released_at),
  CONSTRAINT chk_purchases_status CHECK (status IN ('pending_payment', 'paid', 'cancelled')),
  CONSTRAINT chk_purchases_total CHECK (total_cents = items_cents + shipping_cents)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS payments (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  purchase_id INT UNSIGNED NOT NULL,
  amount_cents INT UNSIGNED NOT NULL,
  method VARCHAR(20) NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'captured',
  card_brand VARCHAR(20) NULL,
  card_last4 CHAR(4) NULL,
  paypal_email VARCHAR(254) NULL,
  bank_name VARCHAR(100) NULL,
  bank_reference VARCHAR(64) NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_payments_purchase (purchase_id), -- one payment per purchase
  CONSTRAINT fk_payments_purchase FOREIGN KEY (purchase_id) REFERENCES purchases (id),
  CONSTRAINT chk_payments_method CHECK (method IN ('credit_card', 'paypal', 'bank_transfer'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 'pending' while the purchase waits for payment; then preparing → shipped → in_transit → delivered.
CREATE TABLE IF NOT EXISTS deliveries (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  purchase_id INT UNSIGNED NOT NULL,
  provider_id INT UNSIGNED NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'pending',
  cost_cents INT UNSIGNED NOT NULL DEFAULT 0,
  tracking_number VARCHAR(20) NULL,
  next_step_at DATETIME NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_deliveries_purchase (purchase_id),
  UNIQUE KEY uq_deliveries_tracking (tracking_number),
  KEY fk_deliveries_provider (provider_id),
  KEY idx_deliveries_due (status, next_step_at),
  CONSTRAINT fk_deliveries_purchase FOREIGN KEY (purchase_id) REFERENCES purchases (id),
  CONSTRAINT fk_deliveries_provider FOREIGN KEY (provider_id) REFERENCES delivery_providers (id),
  CONSTRAINT chk_deliveries_status CHECK (status IN ('pending', 'preparing', 'shipped', 'in_transit', 'delivered', 'cancelled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Line items: the book as it was sold (title, author, price, seller), so history never needs catalog.
CREATE TABLE IF NOT EXISTS purchase_items (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  purchase_id INT UNSIGNED NOT NULL,
  book_id INT UNSIGNED NOT NULL,
  seller_id INT UNSIGNED NOT NULL,
  seller_name VARCHAR(100) NOT NULL DEFAULT '',
  title VARCHAR(200) NOT NULL,
  author VARCHAR(120) NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  unit_price_cents INT UNSIGNED NOT NULL,
  shipped_at DATETIME NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_purchase_items_book (purchase_id, book_id),
  KEY idx_purchase_items_seller (seller_id, purchase_id),
  KEY idx_purchase_items_book (book_id),
  CONSTRAINT fk_purchase_items_purchase FOREIGN KEY (purchase_id) REFERENCES purchases (id),
  CONSTRAINT chk_purchase_items_quantity CHECK (quantity BETWEEN 1 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only: every status change of a delivery, with its time.
CREATE TABLE IF NOT EXISTS delivery_events (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  delivery_id INT UNSIGNED NOT NULL,
  status VARCHAR(20) NOT NULL,
  note VARCHAR(200) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_delivery_events_delivery (delivery_id, id),
  CONSTRAINT fk_delivery_events_delivery FOREIGN KEY (delivery_id) REFERENCES deliveries (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The cart lives in the database so it survives logging out and in. A line whose book is gone
-- from the catalog is dropped when the cart is next read.
CREATE TABLE IF NOT EXISTS cart_items (
  user_id INT UNSIGNED NOT NULL,
  book_id INT UNSIGNED NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  added_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, book_id),
  KEY idx_cart_items_book (book_id),
  CONSTRAINT chk_cart_items_quantity CHECK (quantity BETWEEN 1 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The first answer to an API POST with an Idempotency-Key, replayed for a retry. Keys compare byte
-- for byte: "abcdefgh" and "ABCDEFGH" are two keys.
CREATE TABLE IF NOT EXISTS api_idempotency (
  user_id INT UNSIGNED NOT NULL,
  idem_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  request_hash CHAR(64) NOT NULL,
  status_code SMALLINT UNSIGNED NULL,      -- NULL while the first request is still running
  response_body MEDIUMTEXT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, idem_key),
  KEY idx_api_idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
