-- Sorting the listings on any column (issue 16), measured on SQLite at 100,000 hosts and 1,000,000
-- findings (the collector runs no ANALYZE, so neither did the measurement):
--
-- hosts_listing: every column the host list filters or sorts on, so a page of host ids is chosen
-- from this index alone (the listing then reads those 100 hosts). Without it, sorting by site,
-- status, a part's status, OS, unsupported count or next end of support read every host row,
-- each with its stored inventory inline (~2.6 KB of a 4 KB page): 150-375 ms with the table in
-- the page cache, seconds without; with it 45-80 ms. It leads with host_id, so the findings
-- list's and the product list's joins to hosts read it instead of host rows too (findings: 2.5 s
-- to 1.1 s; their count 1.15 s to 0.15 s). Host name and last report keep their own indexes.
-- On PostgreSQL (which keeps the inventory out of line) it serves the same joins.
CREATE INDEX hosts_listing ON hosts (host_id, site_id, hostname_lower, status, os_status, software_status,
    hardware_status, unsupported_count, next_unsupported_on, last_seen_at, os_name, os_version);

-- findings_grouped: the products list groups findings by product, release and status and counts
-- their hosts; from this index alone it reads no finding row (and no finding's stored detail):
-- 8-14 s to 0.6 s for the whole estate (2.0 s when a host filter needs the join to hosts).
CREATE INDEX findings_grouped ON findings (product_id, cycle, status, host_id, product_name, cycle_label);
