-- Sunset collector schema, version 1. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Times are RFC 3339 UTC text (`2026-01-31T09:00:00Z`), dates `YYYY-MM-DD`, so text order is time order.

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- One row per accepted report: the idempotency record.
CREATE TABLE reports (
    report_id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    catalog_version TEXT NOT NULL
);
CREATE INDEX reports_received_at ON reports (received_at);

-- The latest inventory of each host and its rolled-up verdict.
CREATE TABLE hosts (
    host_id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    hostname TEXT NOT NULL,
    hostname_lower TEXT NOT NULL,
    site_tag TEXT,
    os_family TEXT,
    os_name TEXT NOT NULL,
    os_version TEXT NOT NULL,
    agent_version TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    last_report_id TEXT NOT NULL,
    status TEXT NOT NULL,
    status_since TEXT NOT NULL,
    os_status TEXT,
    software_status TEXT,
    hardware_status TEXT,
    finding_count BIGINT NOT NULL,
    unsupported_count BIGINT NOT NULL,
    next_unsupported_on TEXT,
    catalog_version TEXT NOT NULL,
    evaluated_on TEXT NOT NULL,
    inventory TEXT NOT NULL
);
CREATE INDEX hosts_site ON hosts (site_id);
CREATE INDEX hosts_status ON hosts (status);
CREATE INDEX hosts_last_seen ON hosts (last_seen_at);
CREATE INDEX hosts_hostname ON hosts (hostname_lower);
CREATE INDEX hosts_next_unsupported ON hosts (next_unsupported_on);

-- Current findings of each host; replaced on every report and re-evaluation.
CREATE TABLE findings (
    host_id TEXT NOT NULL,
    finding_key TEXT NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL,
    product_id TEXT NOT NULL,
    product_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    installed_version TEXT,
    cycle TEXT,
    cycle_label TEXT,
    status TEXT NOT NULL,
    security_support_end TEXT,
    extended_support_end TEXT,
    first_seen_at TEXT NOT NULL,
    status_since TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (host_id, finding_key)
);
CREATE INDEX findings_status ON findings (status, target);
CREATE INDEX findings_product ON findings (product_id, cycle);

-- When a host's overall status changed ("became unsupported on …").
CREATE TABLE host_status_changes (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    old_status TEXT,
    new_status TEXT NOT NULL,
    catalog_version TEXT NOT NULL
);
CREATE INDEX host_status_changes_host ON host_status_changes (host_id, changed_at);

-- Risk register: an accepted risk for a whole host (finding_key = '') or one finding.
CREATE TABLE risks (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL,
    finding_key TEXT NOT NULL,
    owner TEXT NOT NULL,
    mitigation TEXT NOT NULL,
    review_date TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (host_id, finding_key)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
