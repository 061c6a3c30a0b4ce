-- One parcel per seller (issue 27): a purchase has one delivery per seller of its books, each with its
-- own carrier, cost, tracking number and timeline. seller_id names the seller whose books it carries;
-- NULL only on a parcel from before this migration whose purchase had several sellers: that one
-- parcel carries every book of its purchase, as it always did (its history is kept as it was).
ALTER TABLE deliveries
  ADD COLUMN seller_id INT UNSIGNED NULL AFTER purchase_id,
  ADD COLUMN shipped_at DATETIME NULL AFTER next_step_at,
  ADD UNIQUE KEY uq_deliveries_parcel (purchase_id, seller_id),
  ADD KEY idx_deliveries_seller (seller_id, status);

-- The purchase's foreign key now uses uq_deliveries_parcel, so the one-delivery key can go.
ALTER TABLE deliveries DROP INDEX uq_deliveries_purchase;

-- Existing purchases: the one parcel belongs to the seller when there is only one.
UPDATE deliveries d
   SET d.seller_id = (SELECT MIN(i.seller_id) FROM purchase_items i WHERE i.purchase_id = d.purchase_id)
 WHERE (SELECT COUNT(DISTINCT i.seller_id) FROM purchase_items i WHERE i.purchase_id = d.purchase_id) = 1;

-- When it was handed to the carrier (the first 'shipped' event), for the parcels that were.
UPDATE deliveries d
   SET d.shipped_at = (SELECT MIN(e.created_at) FROM delivery_events e WHERE e.delivery_id = d.id AND e.status = 'shipped')
 WHERE d.status IN ('shipped', 'in_transit', 'delivered');
