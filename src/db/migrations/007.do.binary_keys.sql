-- Client-chosen keys compare byte for byte: "abcdefgh" and "ABCDEFGH" are two Idempotency-Keys
-- (and two checkout tokens), not one, as the clients that make them expect.
ALTER TABLE api_idempotency MODIFY idem_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
ALTER TABLE purchases MODIFY checkout_token VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;
