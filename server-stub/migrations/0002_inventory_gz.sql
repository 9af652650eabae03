-- Inventories are stored gzip-compressed: usually the agent's request body exactly as received
-- (a tenth of the JSON's size or less), so ingest neither re-encodes nor writes ~80 KB per report.
-- `inventory` keeps the JSON text of rows written before this migration and is '' for new rows;
-- readers take `inventory_gz` when it is set. BYTEA is PostgreSQL's binary type; SQLite stores the
-- bound blob as it is.
ALTER TABLE hosts ADD COLUMN inventory_gz BYTEA;
