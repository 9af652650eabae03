-- Hardware identity (issue 17, part 3): which machine each host id has been seen on, so that a
-- re-imaged PC (same hardware, new host id) takes over its old record and a clone (one hardware
-- identity under two host ids, or one host id on two machines) is flagged. Portable SQL, the same
-- on SQLite and PostgreSQL, like every migration.
--
-- `host_identities`: one row per host id and hardware it reported (`identity_key`: the SMBIOS
-- system UUID and serial as `crate::identity` spells them; serial empty when not known). A
-- machine without a usable UUID has no row: it behaves as before this migration. The first and
-- last `collected_at` of the reports that carried it say whether two machines behind one host id
-- reported at the same time (a clone) or one after the other (a replaced mainboard); the last
-- receipt says whether it is still reporting. MAC addresses are space-separated, sorted.
CREATE TABLE host_identities (
    host_id TEXT NOT NULL,
    identity_key TEXT NOT NULL,
    system_uuid TEXT NOT NULL,
    serial TEXT,
    board_serial TEXT,
    mac_addresses TEXT NOT NULL,
    machine_id TEXT,
    hostname TEXT NOT NULL,
    first_collected_at TEXT NOT NULL,
    last_collected_at TEXT NOT NULL,
    last_received_at TEXT NOT NULL,
    PRIMARY KEY (host_id, identity_key)
);
-- Ingest looks up every host seen on the same hardware by its UUID.
CREATE INDEX host_identities_uuid ON host_identities (system_uuid);

-- Clone flags, written at ingest in both directions by whichever host changed machine (a host id
-- on two machines is a row with itself as the other). The pages show a flag while both hosts'
-- last reports are within the stale period; for a host id on two machines, `seen_at` (when the
-- older of the two machines was last received) must be within it too.
CREATE TABLE host_clones (
    host_id TEXT NOT NULL,
    other_host_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (host_id, other_host_id)
);
CREATE INDEX host_clones_other ON host_clones (other_host_id);

-- Host ids retired by a merge: a retired id never takes over another host, and a report from it
-- after the merge shows the merge was wrong (the old install still runs: a clone).
CREATE TABLE host_merges (
    old_host_id TEXT PRIMARY KEY,
    new_host_id TEXT NOT NULL,
    basis TEXT NOT NULL,
    merged_at TEXT NOT NULL,
    new_collected_at TEXT NOT NULL
);
CREATE INDEX host_merges_new ON host_merges (new_host_id);
