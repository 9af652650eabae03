-- The summary of an organisation's subtree (`/?org=`, issue 16) counts the unsupported findings of
-- the subtree's hosts by part. Measured on SQLite at 100,000 hosts (866,666 findings, 466,666
-- unsupported) under 1 ICB / 10 PCNs / 250 practices, without ANALYZE: led by `findings_status`,
-- every unsupported finding of the estate was read with a look-up of its host, 3.3 s for a PCN's
-- 10,000 hosts and 37 s for the ICB's 100,000. The query now walks the subtree's hosts first and,
-- through these two indexes, reads neither a host row (with its stored inventory) nor a finding
-- row (with its stored detail): 0.23 s for the ICB (0.70 s with the rows).
--
-- hosts_by_site: a site's hosts' ids (`hosts_rollup` leads with the site too, but has no host id).
CREATE INDEX hosts_by_site ON hosts (site_id, host_id);
-- findings_unsupported: a host's unsupported findings' parts. Partial: findings not unsupported
-- have no place in it; the query repeats the predicate word for word, as SQLite needs to use a
-- partial index. The status is a column too, so that `host_id = ? AND status = ?` matches two
-- of its columns and SQLite prefers it to the primary key (one column, then every finding row).
CREATE INDEX findings_unsupported ON findings (host_id, status, target) WHERE status = 'unsupported';
