-- The ship-by deadline (issue 27): a paid parcel must be marked shipped by ship_by (SHIP_BY_BUSINESS_DAYS
-- business days after payment, set when it is paid); past it the deadline job cancels and refunds it.
-- Parcels already being prepared get five calendar days from now (at least three business days'
-- notice), not a date that has passed already.
ALTER TABLE deliveries
  ADD COLUMN ship_by DATETIME NULL AFTER next_step_at,
  ADD KEY idx_deliveries_ship_by (status, ship_by);

UPDATE deliveries SET ship_by = DATE_ADD(UTC_TIMESTAMP(), INTERVAL 5 DAY) WHERE status = 'preparing';
