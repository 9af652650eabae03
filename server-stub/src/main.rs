//! `sunset-collector`: ingests agent reports, re-evaluates them and serves the dashboard.
fn main() {}
