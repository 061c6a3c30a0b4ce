-- Claims within the legal window (issue 27; Ley 1480 de 2011, art. 47): for CLAIM_BUSINESS_DAYS after a
-- parcel is delivered its buyer may open a claim. delivered_at says when it was (from its event).
ALTER TABLE deliveries ADD COLUMN delivered_at DATETIME NULL AFTER shipped_at;
UPDATE deliveries d
   SET d.delivered_at = (SELECT MIN(e.created_at) FROM delivery_events e WHERE e.delivery_id = d.id AND e.status = 'delivered')
 WHERE d.status = 'delivered';

-- A claim moves only by conditional UPDATEs (WHERE status = ...): open → accepted (the seller refunds)
-- | answered (the seller answers once) → disputed (the buyer disagrees); an admin decides a disputed
-- claim, or an open one past respond_by (3 business days without an answer): decided, with a reason
-- both see. open_delivery_id makes one open claim per parcel (NULL once it is accepted or decided).
-- return_received_at: the seller marked the returned books received (their stock goes back then).
CREATE TABLE claims (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  purchase_id INT UNSIGNED NOT NULL,
  delivery_id INT UNSIGNED NOT NULL,
  buyer_id INT UNSIGNED NOT NULL,
  seller_id INT UNSIGNED NULL,
  reason VARCHAR(20) NOT NULL,
  message VARCHAR(2000) NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'open',
  respond_by DATETIME NOT NULL,
  seller_answer VARCHAR(2000) NULL,
  answered_at DATETIME NULL,
  disputed_at DATETIME NULL,
  decision VARCHAR(10) NULL,
  decision_reason VARCHAR(500) NULL,
  decided_by INT UNSIGNED NULL,
  decided_at DATETIME NULL,
  refund_cents INT UNSIGNED NULL,
  return_received_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  open_delivery_id INT UNSIGNED AS (IF(status IN ('open', 'answered', 'disputed'), delivery_id, NULL)) PERSISTENT,
  PRIMARY KEY (id),
  UNIQUE KEY uq_claims_open_parcel (open_delivery_id),
  KEY idx_claims_delivery (delivery_id),
  KEY idx_claims_purchase (purchase_id),
  KEY idx_claims_seller (seller_id, status),
  KEY idx_claims_status (status, respond_by),
  CONSTRAINT fk_claims_purchase FOREIGN KEY (purchase_id) REFERENCES purchases (id),
  CONSTRAINT fk_claims_delivery FOREIGN KEY (delivery_id) REFERENCES deliveries (id),
  CONSTRAINT chk_claims_reason CHECK (reason IN ('not_received', 'not_as_described', 'damaged', 'wrong_book', 'changed_mind')),
  CONSTRAINT chk_claims_status CHECK (status IN ('open', 'accepted', 'answered', 'disputed', 'decided')),
  CONSTRAINT chk_claims_decision CHECK (decision IS NULL OR decision IN ('full', 'partial', 'none'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
