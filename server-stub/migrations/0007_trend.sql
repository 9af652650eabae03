-- The trend: once a day the collector counts, for every organisation (rolled up over its whole
-- subtree), how many hosts have each worst status, overall and per part (OS, software, hardware).
-- The dashboard draws twelve months of it; rows are kept 25 months (`store::trend`), so a year can
-- always be compared with the year before.
--
-- `trend_days` lists the days a snapshot was taken: a day without one is a gap in the chart, not
-- zero hosts (an organisation with no hosts that day has no rows in `trend_counts`). A snapshot
-- replaces its day's rows in one transaction, so re-running a day never doubles it.
CREATE TABLE trend_days (
    day TEXT PRIMARY KEY,
    taken_at TEXT NOT NULL
);

-- `part` is 'overall', 'os', 'software' or 'hardware' (`store::Part`), `status` a `Status` by
-- name; a host with no finding about a part is not counted in that part. The key leads with the
-- organisation, which is how the chart and the exports read it (one organisation, a range of
-- days); pruning reads by day.
CREATE TABLE trend_counts (
    org_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    part TEXT NOT NULL,
    status TEXT NOT NULL,
    hosts BIGINT NOT NULL,
    PRIMARY KEY (org_id, day, part, status)
);
CREATE INDEX trend_counts_day ON trend_counts (day);
