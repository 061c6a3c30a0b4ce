-- Books offered by sellers. Money is integer cents; stock can never go below zero.
CREATE TABLE books (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  seller_id INT UNSIGNED NOT NULL,
  title VARCHAR(200) NOT NULL,
  author VARCHAR(120) NOT NULL,
  isbn VARCHAR(13) NULL,                   -- normalised: digits (and a final X for ISBN-10)
  description TEXT NOT NULL,
  book_condition ENUM('as_new', 'fine', 'very_good', 'good', 'fair', 'poor') NOT NULL,
  price_cents INT UNSIGNED NOT NULL,
  stock INT NOT NULL DEFAULT 0,
  cover_key VARCHAR(64) NULL,              -- random name of the cover files under UPLOAD_DIR
  listed TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_books_seller (seller_id, created_at),
  KEY idx_books_isbn (isbn),
  CONSTRAINT fk_books_seller FOREIGN KEY (seller_id) REFERENCES users (id),
  CONSTRAINT chk_books_stock CHECK (stock >= 0 AND stock <= 10000),
  CONSTRAINT chk_books_price CHECK (price_cents > 0 AND price_cents <= 100000000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
