//! The catalogue maintainer's library: importing dates from endoflife.date into catalogue files
//! (`import`, editing the TOML text so rules and comments survive) and the `diff` of two
//! catalogues by what would change for findings. Used only by the `sunset-catalog` binary; the
//! agent and collector never link it.
#![deny(missing_docs)]

pub mod import;
