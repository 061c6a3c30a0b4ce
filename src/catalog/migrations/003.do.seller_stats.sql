-- What the next buyer should know about a seller (issue 27): computed by orders from its parcels and
-- claims and handed to catalog through the CatalogPort (publishSellerStats), so the book page reads
-- it with one primary-key lookup and catalog never reads orders' tables. completed_permille: parcels
-- delivered without a claim at the seller's fault per thousand parcels decided in the last 180 days;
-- median_ship_minutes: the median time from payment to shipping; NULL when there is nothing to tell.
CREATE TABLE seller_stats (
  seller_id INT UNSIGNED NOT NULL,
  decided_parcels INT UNSIGNED NOT NULL DEFAULT 0,
  completed_permille SMALLINT UNSIGNED NULL,
  median_ship_minutes INT UNSIGNED NULL,
  computed_at DATETIME NOT NULL,
  PRIMARY KEY (seller_id),
  CONSTRAINT chk_seller_stats_permille CHECK (completed_permille IS NULL OR completed_permille <= 1000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
