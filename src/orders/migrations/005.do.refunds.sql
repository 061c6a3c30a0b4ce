-- Cancel and refund before shipping (issue 27): a paid parcel not yet shipped can be cancelled by its
-- buyer, declined by its seller, or cancelled by the ship-by deadline. cancel_reason says which
-- ('buyer', 'seller_declined', 'deadline'); stock_returned_at that its books went back to catalog
-- (returnLines; retried by the sweep until it is recorded).
ALTER TABLE deliveries
  ADD COLUMN cancelled_at DATETIME NULL AFTER shipped_at,
  ADD COLUMN cancel_reason VARCHAR(20) NULL AFTER cancelled_at,
  ADD COLUMN stock_returned_at DATETIME NULL AFTER cancel_reason,
  ADD KEY idx_deliveries_unreturned (status, stock_returned_at),
  ADD CONSTRAINT chk_deliveries_cancel_reason CHECK (cancel_reason IS NULL OR cancel_reason IN ('buyer', 'seller_declined', 'deadline'));

-- Refunds, simulated like payments but real records: what was given back, for what, and why.
-- cause_key makes each cause refund once ('parcel:<delivery id>' for a cancelled parcel); the amount is
-- the books and shipping it covers (never more than was paid: the service inserts it only while the
-- refunds of its purchase stay within its payment). seller_id: whose sale it undoes (NULL for the
-- shared parcel of a purchase from before parcels).
CREATE TABLE refunds (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  purchase_id INT UNSIGNED NOT NULL,
  payment_id INT UNSIGNED NOT NULL,
  delivery_id INT UNSIGNED NULL,
  seller_id INT UNSIGNED NULL,
  cause VARCHAR(20) NOT NULL,
  cause_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  items_cents INT UNSIGNED NOT NULL,
  shipping_cents INT UNSIGNED NOT NULL,
  amount_cents INT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_refunds_cause (cause_key),
  KEY idx_refunds_purchase (purchase_id),
  KEY idx_refunds_seller (seller_id, created_at),
  CONSTRAINT fk_refunds_purchase FOREIGN KEY (purchase_id) REFERENCES purchases (id),
  CONSTRAINT fk_refunds_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
  CONSTRAINT fk_refunds_delivery FOREIGN KEY (delivery_id) REFERENCES deliveries (id),
  CONSTRAINT chk_refunds_amount CHECK (amount_cents = items_cents + shipping_cents AND amount_cents > 0),
  CONSTRAINT chk_refunds_cause CHECK (cause IN ('buyer', 'seller_declined', 'deadline', 'claim'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
