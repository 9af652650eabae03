//! Hand-assembled queries (replaced by a query builder in the next step).

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A bound value.
#[derive(Clone, Debug)]
pub(super) enum Arg {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
}

fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    args: &[Arg],
) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s.clone()),
            Arg::Int(i) => query.bind(*i),
        };
    }
    query
}

/// A query under construction: clause text from code, values as bound arguments.
#[derive(Default)]
pub(super) struct Sql {
    pub(super) text: String,
    pub(super) args: Vec<Arg>,
}

impl Sql {
    pub(super) fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }
    /// Appends `clause`, replacing each `?` with the next `$n` and binding `arg`.
    pub(super) fn push(&mut self, clause: &str, args: impl IntoIterator<Item = Arg>) {
        let mut args = args.into_iter();
        for (i, part) in clause.split('?').enumerate() {
            if i > 0 {
                if let Some(arg) = args.next() {
                    self.args.push(arg);
                }
                self.text.push_str(&format!("${}", self.args.len()));
            }
            self.text.push_str(part);
        }
    }
    pub(super) fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        bind_all(sqlx::query(&self.text), &self.args)
    }
}
