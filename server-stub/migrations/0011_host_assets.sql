-- The evidence pack's asset register (issue 16 part 6) names each host's hardware and counts its
-- software. Both are in the stored inventory, which is gzip JSON read back only whole: ~30 µs a
-- host with 10 programs, ~150 µs with 300 (80 KB of JSON), so 3 to 15 s of CPU for 100,000 hosts
-- before anything else is written. Kept on the host row at ingest instead. The manufacturer and
-- model are their `Fact` as JSON (known with a value, absent, or not collected). NULL for hosts
-- stored before this migration: their register rows read the inventory until their next report.
ALTER TABLE hosts ADD COLUMN hardware_manufacturer TEXT;
ALTER TABLE hosts ADD COLUMN hardware_model TEXT;
ALTER TABLE hosts ADD COLUMN software_entries BIGINT;
