-- A clone flag an admin has reviewed and dismissed (issue 17, part 3): e.g. a non-persistent VDI
-- pool whose desktops share one image by design. The flag's row stays (ingest keeps it up to
-- date), marked with who dismissed it, when and why; pages, counts and the `clone=` filter leave
-- dismissed flags out. Ingest deletes a flag when the hardware facts behind it change; if it is
-- raised again it is a new row: a new flag to review.
ALTER TABLE host_clones ADD COLUMN dismissed_at TEXT;
ALTER TABLE host_clones ADD COLUMN dismissed_by TEXT;
ALTER TABLE host_clones ADD COLUMN dismissed_reason TEXT;
