//! `sunset-agent`: inventories this machine and checks it against the end-of-support catalogue.
fn main() {}
