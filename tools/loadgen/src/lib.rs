//! Developer tools for the Sunset collector, kept out of the shipped collector: synthetic
//! inventories (`fake`) for the collector's tests, the end-to-end tests and the load generator
//! (`sunset-loadgen`, `main.rs`), which sends them to a collector and measures it.

pub mod fake;
