-- Site enrolment tokens get a table of their own (issue 17, part 4): a site may hold several at
-- once — the new one and, for a grace period after a rotation, the old one — each with its own
-- created, last-used, expiry and revocation times. As before, only the SHA-256 of a token is
-- stored (a token is 32 random bytes, so a fast hash is a safe thing to look up by).
--
-- `expires_at`: after it the token is refused (NULL: never). A rotation sets the old token's
-- `expires_at` to the end of its grace period (keeping an earlier expiry) and `replaced_at` to the
-- rotation's time, so a refusal can say "replaced" rather than "expired". `revoked_at`: refused
-- from then on. `last_used_at` is written at most once a minute per token (see store/site_tokens.rs).
--
-- `sites.token_hash` goes: the site table is rebuilt without it (a UNIQUE column cannot be
-- dropped in SQLite, and one rebuild is portable to both back ends). Nothing references `sites`, so
-- nothing else is touched; hosts keep their `site_id`. Each existing token moves to
-- `site_tokens` with the site's id as its own id (unique, since a site had one token), its
-- site's creation time, and, for a revoked site, the site's revocation time: every token that
-- worked still works, and every one that was refused still is.
CREATE TABLE site_token_copy AS SELECT id, token_hash, created_at, revoked_at FROM sites;

CREATE TABLE sites_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
INSERT INTO sites_new (id, name, org_id, created_at, revoked_at)
SELECT id, name, org_id, created_at, revoked_at FROM sites;
DROP TABLE sites;
ALTER TABLE sites_new RENAME TO sites;
CREATE INDEX sites_org ON sites (org_id);

CREATE TABLE site_tokens (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    replaced_at TEXT,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX site_tokens_site ON site_tokens (site_id);
INSERT INTO site_tokens (id, site_id, token_hash, created_at, revoked_at)
SELECT id, id, token_hash, created_at, revoked_at FROM site_token_copy;
DROP TABLE site_token_copy;

-- When each user last logged in through the login form (NULL: never since this migration).
ALTER TABLE users ADD COLUMN last_login_at TEXT;

-- The audit page filters by actor and by action, newest first.
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
