-- Which catalogue layer decided each finding (issue 17, part 1): `built-in` (the base catalogue)
-- or `overlay:<file name>` (the organisation's own overlay file, `catalog_overlay_dir`). A column,
-- not only the finding's JSON, so the findings list and its CSV show it without reading details.
-- Findings stored before were all the base catalogue's.
ALTER TABLE findings ADD COLUMN layer TEXT NOT NULL DEFAULT 'built-in';
