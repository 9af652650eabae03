-- Software no catalogue rule matched, per host (issue 17 part 2: the triage of what the catalogue
-- does not cover yet). Written at ingest and re-evaluation in the verdict's own transaction,
-- replaced per host, so the triage page is one grouped query over this table, never a read of
-- every stored inventory. Bounded by the collector (`crate::triage`): at most 200 rows a host,
-- one per name, publisher and version (the collector deduplicates: the host's rows are replaced
-- whole under its lock, so no unique index is kept — it would store every column a second time),
-- names, publishers and versions cut to fixed lengths. `name_key` and `publisher_key` are the
-- name and publisher as compared (white space collapsed, lower case: the same key the
-- catalogue's `[[reviewed]]` entries are compared with); `publisher_key` and `version` are ''
-- when the entry had none. `site_id` is the host's site, kept with its rows (and moved with the
-- host, `ownership`), so that the triage, inside a scope, reads this table alone, joined only to
-- the small `sites` table. Joined to `hosts` (each row a random read of a host row, the stored
-- inventory inline on SQLite) it took 52 s at 100,000 hosts and 5.4 million rows. A covering
-- index (name_key, publisher_key, site_id, host_id, version) made it 3.4 s, but each report then
-- dirtied more index pages than the collector's 256 KiB write probe, and the full-disk test's
-- /healthz read healthy again after a failed report: not kept (see the README).
CREATE TABLE unmatched_software (
    host_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    name_key TEXT NOT NULL,
    publisher_key TEXT NOT NULL,
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    publisher TEXT NOT NULL
);
CREATE INDEX unmatched_software_host ON unmatched_software (host_id);
CREATE INDEX unmatched_software_name
    ON unmatched_software (name_key);
