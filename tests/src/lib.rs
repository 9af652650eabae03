//! Helpers for Sunset's end-to-end tests (the tests themselves live in `tests/tests/`).

pub mod support;
pub mod windows7;
