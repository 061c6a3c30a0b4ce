-- Where a purchase ships (issue 13): a copy of the buyer's address as it was when chosen at checkout,
-- so later edits to the address book never change it. NULL on purchases from before addresses, and
-- until the buyer chooses one. ship_address_id only remembers which address book entry it came from
-- (to preselect it again); it is no foreign key: the address book belongs to accounts.
ALTER TABLE purchases
  ADD COLUMN ship_address_id INT UNSIGNED NULL AFTER stock_released_at,
  ADD COLUMN ship_recipient VARCHAR(100) NULL AFTER ship_address_id,
  ADD COLUMN ship_line1 VARCHAR(120) NULL AFTER ship_recipient,
  ADD COLUMN ship_line2 VARCHAR(120) NULL AFTER ship_line1,
  ADD COLUMN ship_city VARCHAR(80) NULL AFTER ship_line2,
  ADD COLUMN ship_region VARCHAR(80) NULL AFTER ship_city,
  ADD COLUMN ship_postal_code VARCHAR(12) NULL AFTER ship_region,
  ADD COLUMN ship_country CHAR(2) NULL AFTER ship_postal_code,
  ADD COLUMN ship_phone VARCHAR(20) NULL AFTER ship_country;
