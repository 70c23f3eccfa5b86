-- A sync round checks the checksum of every partition its last pull page touched (thousands after
-- a big first pull), reading each table's rows of the partition by its customer. These three tables
-- had no index on `customer_id`, so each check walked all their rows.
CREATE INDEX sales_orders_by_customer ON sales_orders (customer_id);
CREATE INDEX test_drives_by_customer ON test_drives (customer_id);
CREATE INDEX quote_shares_by_customer ON quote_shares (customer_id);
