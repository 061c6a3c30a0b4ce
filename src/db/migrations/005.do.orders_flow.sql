-- Buying: purchases with line items and a one-time checkout token, carts in the database,
-- deliveries with a status and an append-only event log, idempotent API answers.

-- How long a provider takes from "shipped" to "delivered" (the simulation's pace, in real hours).
ALTER TABLE delivery_providers
  ADD COLUMN delivery_hours INT UNSIGNED NOT NULL DEFAULT 72 AFTER cost_cents,
  ADD CONSTRAINT chk_delivery_providers_hours CHECK (delivery_hours BETWEEN 1 AND 2000),
  ADD CONSTRAINT chk_delivery_providers_cost CHECK (cost_cents <= 100000000);

UPDATE delivery_providers SET delivery_hours = 48 WHERE name = 'DHL';
UPDATE delivery_providers SET delivery_hours = 60 WHERE name = 'FedEx';
UPDATE delivery_providers SET delivery_hours = 96 WHERE name = 'Envia';
UPDATE delivery_providers SET delivery_hours = 72 WHERE name = 'Servientrega';

-- The purchase's status moves only by conditional UPDATEs (WHERE status = ?).
ALTER TABLE purchases
  ADD COLUMN checkout_token VARCHAR(64) NULL AFTER buyer_id,
  ADD COLUMN items_cents INT UNSIGNED NOT NULL DEFAULT 0 AFTER status,
  ADD COLUMN shipping_cents INT UNSIGNED NOT NULL DEFAULT 0 AFTER items_cents,
  ADD COLUMN expires_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP AFTER total_cents,
  ADD COLUMN paid_at DATETIME NULL AFTER expires_at,
  ADD COLUMN cancelled_at DATETIME NULL AFTER paid_at,
  ADD COLUMN cancel_reason VARCHAR(20) NULL AFTER cancelled_at,
  ADD UNIQUE KEY uq_purchases_checkout_token (buyer_id, checkout_token),
  ADD KEY idx_purchases_expiry (status, expires_at),
  ADD KEY idx_purchases_status (status, created_at),
  ADD CONSTRAINT chk_purchases_status CHECK (status IN ('pending_payment', 'paid', 'cancelled')),
  ADD CONSTRAINT chk_purchases_total CHECK (total_cents = items_cents + shipping_cents);

-- Line items: the price is copied from the book when the purchase is made.
CREATE TABLE purchase_items (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  purchase_id INT UNSIGNED NOT NULL,
  book_id INT UNSIGNED NOT NULL,
  seller_id INT UNSIGNED NOT NULL,
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
  CONSTRAINT fk_purchase_items_book FOREIGN KEY (book_id) REFERENCES books (id),
  CONSTRAINT fk_purchase_items_seller FOREIGN KEY (seller_id) REFERENCES users (id),
  CONSTRAINT chk_purchase_items_quantity CHECK (quantity BETWEEN 1 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE payments
  ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'captured' AFTER method,
  ADD COLUMN card_brand VARCHAR(20) NULL AFTER status,
  ADD COLUMN card_last4 CHAR(4) NULL AFTER card_brand,
  ADD COLUMN paypal_email VARCHAR(254) NULL AFTER card_last4,
  ADD COLUMN bank_name VARCHAR(100) NULL AFTER paypal_email,
  ADD COLUMN bank_reference VARCHAR(64) NULL AFTER bank_name,
  ADD CONSTRAINT chk_payments_method CHECK (method IN ('credit_card', 'paypal', 'bank_transfer'));

-- 'pending' while the purchase waits for payment; then preparing → shipped → in_transit → delivered.
ALTER TABLE deliveries
  ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'pending' AFTER provider_id,
  ADD COLUMN cost_cents INT UNSIGNED NOT NULL DEFAULT 0 AFTER status,
  ADD COLUMN tracking_number VARCHAR(20) NULL AFTER cost_cents,
  ADD COLUMN next_step_at DATETIME NULL AFTER tracking_number,
  ADD COLUMN updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP AFTER created_at,
  ADD UNIQUE KEY uq_deliveries_tracking (tracking_number),
  ADD KEY idx_deliveries_due (status, next_step_at),
  ADD CONSTRAINT chk_deliveries_status CHECK (status IN ('pending', 'preparing', 'shipped', 'in_transit', 'delivered', 'cancelled'));

-- Append-only: every status change of a delivery, with its time.
CREATE TABLE delivery_events (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  delivery_id INT UNSIGNED NOT NULL,
  status VARCHAR(20) NOT NULL,
  note VARCHAR(200) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_delivery_events_delivery (delivery_id, id),
  CONSTRAINT fk_delivery_events_delivery FOREIGN KEY (delivery_id) REFERENCES deliveries (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The cart lives in the database so it survives logging out and in.
CREATE TABLE cart_items (
  user_id INT UNSIGNED NOT NULL,
  book_id INT UNSIGNED NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  added_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, book_id),
  KEY idx_cart_items_book (book_id),
  CONSTRAINT fk_cart_items_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_cart_items_book FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE CASCADE,
  CONSTRAINT chk_cart_items_quantity CHECK (quantity BETWEEN 1 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The first answer to an API POST with an Idempotency-Key, replayed for a retry.
CREATE TABLE api_idempotency (
  user_id INT UNSIGNED NOT NULL,
  idem_key VARCHAR(100) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  status_code SMALLINT UNSIGNED NULL,      -- NULL while the first request is still running
  response_body MEDIUMTEXT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, idem_key),
  KEY idx_api_idempotency_created (created_at),
  CONSTRAINT fk_api_idempotency_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
