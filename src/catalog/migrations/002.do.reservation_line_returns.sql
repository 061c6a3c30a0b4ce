-- A sold line can come back on its own (issue 27: a parcel cancelled and refunded after payment, or a
-- returned book): returned_at marks the line whose stock went back, so it goes back once, whether
-- by returnLines (some lines of a committed reservation) or by a release of the whole reservation.
ALTER TABLE book_reservation_items ADD COLUMN returned_at DATETIME NULL AFTER unit_price_cents;
