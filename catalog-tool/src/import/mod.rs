//! Imports support dates from endoflife.date into catalogue files, editing them in place.
//!
//! Dates come from the source; everything else is ours. For every product whose
//! `source = { name = "endoflife.date", product = "<id>", … }`, each release whose `cycle` equals
//! an upstream `releaseCycle` gets `released`, `active_support_end`, `security_support_end`,
//! `extended_support_end`, `lts` and `latest` from the page, and the product gets
//! `source.revision`. Match rules, `versions`, `editions`, `label`, `replacement` and `link` are
//! never touched, nor is any comment or formatting: files are edited with `toml_edit`, and a file
//! with nothing to change is returned byte for byte, so re-running an import is a no-op.
//!
//! Upstream cycles that the catalogue lacks are only reported: a new cycle needs a version range,
//! and ranges are ours. A field the page does not have is left as it is (and reported as kept).
//! `lts` given as a date (Node.js, RHEL: the day the cycle becomes LTS) is imported as `true`.
//!
//! A page is either the upstream repository's front matter (`products/<id>.md`,
//! [`endoflife_date`]) or the public API's JSON for the product (`<id>.json`, v1 or v0, as an
//! administrator downloads it: [`endoflife_api`]); both give the same releases.
//!
//! The catalogue's `[catalog] date` (the day its data was read, which scans show and warn about
//! after 60 days) moves forward to the data's date when every endoflife.date product of the
//! catalogue got a page and every page has a date: the API's `generated_at`, or for front-matter
//! pages the snapshot date the caller gives. It never moves back.
//!
//! Pure: catalogue and page texts in, texts and a [`Report`] out; the `sunset-catalog` tool reads
//! and writes the files.
//!
//! One step per module, each depending only on the ones before it: `layout` (where products,
//! releases and their keys are written in a catalogue file), `source` (which upstream page a
//! product imports from), `release` (what a release takes from its upstream cycle), `run` (an
//! import over the files: products, `source.revision`, `[catalog] date`); `edit` changes the TOML
//! in place and `report` is what the import says it did.

pub mod diff;
mod edit;
pub mod endoflife_api;
pub mod endoflife_date;
mod layout;
mod release;
mod report;
mod run;
mod source;

pub use report::{Change, CycleNote, ImportProblem, Kept, Location, Report};
pub use run::{Import, ImportedFile, import_endoflife_date, import_endoflife_date_as_of};
pub use source::{ENDOFLIFE_DATE, SourcePage, endoflife_date_products};
