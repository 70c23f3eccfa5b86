-- Closing the deal: a declined quote keeps why; a sales order carries its F&I products (back-end
-- gross) and the moments it was funded, delivered or cancelled (with why).
ALTER TABLE quotes ADD COLUMN decline_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE sales_orders ADD COLUMN products TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sales_orders ADD COLUMN funded_at TEXT;
ALTER TABLE sales_orders ADD COLUMN delivered_at TEXT;
ALTER TABLE sales_orders ADD COLUMN cancelled_at TEXT;
ALTER TABLE sales_orders ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX quotes_by_status ON quotes (status, valid_until);
