-- Organisations: one tree of any depth (ICB → PCN → practice; trust → hospital → ward) under a
-- single root, the whole estate this collector serves. Every site belongs to one organisation and
-- every user is granted their role on one; a user sees the sites of that organisation's subtree.
--
-- `path` lists the ids from the root down, each followed by '/' ('/<root>/<icb>/<pcn>/'), so a
-- subtree is every organisation whose path starts with its own: one comparison whatever the depth,
-- the same SQL on both back ends, and no cycle can be stored. `kind` is stored by name
-- (`org::OrgKind`); the root alone is 'estate' and has no parent (the CHECK and the partial
-- unique index keep it to one). ODS codes are stored upper case and unique when set (NULLs never
-- collide); a name is unique among its siblings.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES organisations (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    ods_code TEXT UNIQUE,
    path TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    UNIQUE (parent_id, name),
    CHECK ((parent_id IS NULL) = (kind = 'estate'))
);
CREATE UNIQUE INDEX organisations_one_root ON organisations (kind) WHERE kind = 'estate';
CREATE INDEX organisations_parent ON organisations (parent_id);

-- The root. Today's flat sites and every existing user move under it unchanged: an existing user
-- keeps seeing the whole estate with the role they had, and each site keeps its id, name, token
-- and hosts until an administrator places it lower in the tree (`site move`).
INSERT INTO organisations (id, parent_id, name, kind, ods_code, path, created_at)
SELECT '00000000-0000-0000-0000-000000000000', NULL, 'Estate', 'estate', NULL,
       '/00000000-0000-0000-0000-000000000000/',
       COALESCE((SELECT MIN(created_at) FROM sites), (SELECT MIN(created_at) FROM users), '1970-01-01T00:00:00Z');

-- Sites get a NOT NULL organisation. Neither back end can add a NOT NULL column that references
-- another table to a filled table in one portable statement, so the table is rebuilt (nothing
-- references `sites`, so nothing else is touched; hosts keep their `site_id`).
CREATE TABLE sites_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
INSERT INTO sites_new (id, name, org_id, token_hash, created_at, revoked_at)
SELECT id, name, '00000000-0000-0000-0000-000000000000', token_hash, created_at, revoked_at FROM sites;
DROP TABLE sites;
ALTER TABLE sites_new RENAME TO sites;
CREATE INDEX sites_org ON sites (org_id);

-- Users are granted their role on an organisation. `users` cannot be rebuilt like `sites`:
-- sessions and API tokens reference it ON DELETE CASCADE, and SQLite's DROP TABLE deletes the rows
-- first, firing the cascade. So the column is added nullable, and every query that reads a user
-- joins the organisation: a user without one can do nothing (the collector always sets it).
ALTER TABLE users ADD COLUMN org_id TEXT REFERENCES organisations (id);
UPDATE users SET org_id = '00000000-0000-0000-0000-000000000000';
