-- The forecast (store/forecast.rs) reads, of each finding not yet unsupported, its status, its two
-- end dates, its release and its host: with all of them in one index it reads a range of the index
-- per kind of end instead of every finding with its stored detail. Partial: unsupported findings,
-- often most of an estate's, have nothing left to lose. The query repeats the predicate word for
-- word, as SQLite needs to use a partial index.
CREATE INDEX findings_forecast ON findings (status, security_support_end, extended_support_end, target, product_id, cycle, host_id) WHERE status <> 'unsupported';
-- "What ends next" names the sites of the hosts: from host to site in this index, not in the host
-- row with its stored inventory.
CREATE INDEX hosts_site_of ON hosts (host_id, site_id);
