-- The status bar's figures (polled every 3 s by the window, and read by the CLI) come from two small
-- indexes instead of every row: the changes waiting to be pushed (`SUM(pending)`, which read the
-- whole outbox, every field value of an unsynced import) and the live customers (`COUNT(*) ... WHERE
-- deleted_at IS NULL`, which read every customer). Each reads a few hundred KB at 50,000 rows.
CREATE INDEX outbox_writes_pending ON outbox_writes (pending);
CREATE INDEX customers_live ON customers (deleted_at);
