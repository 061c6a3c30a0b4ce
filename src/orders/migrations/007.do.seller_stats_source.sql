-- Seller records (issue 27): the stats job finds the sellers whose parcels changed since its last run.
ALTER TABLE deliveries ADD KEY idx_deliveries_updated (updated_at);
