-- A claim's photos (issue 27, item 4): up to 3, re-encoded to WebP like covers (src/images.ts).
-- Private evidence, so they live here, in the order feature's own database, never under the public
-- /uploads: the order service has no upload folder, and only the claim's buyer, the parcel's seller
-- and admins may see them (served by the claim pages' routes). Written in the claim's transaction.
CREATE TABLE claim_photos (
  claim_id INT UNSIGNED NOT NULL,
  position TINYINT UNSIGNED NOT NULL,
  content_type VARCHAR(40) NOT NULL,
  bytes MEDIUMBLOB NOT NULL,
  width SMALLINT UNSIGNED NOT NULL,
  height SMALLINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (claim_id, position),
  CONSTRAINT fk_claim_photos_claim FOREIGN KEY (claim_id) REFERENCES claims (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
