//! How the catalogue's enums are stored: `Status` and `Target` by name in TEXT columns (and, the
//! same way, the collector's own `Role` and `OrgKind`).
//!
//! The catalogue knows nothing of SQL, and the orphan rule keeps sqlx's traits off its types here,
//! so a row decodes the column as a [`ByName`] (or [`NullableByName`]), which parses it with the
//! catalogue's own `FromStr`, and unwraps it (`#[sqlx(try_from = "ByName<Status>")]`, an infallible
//! conversion: the parse error is raised by the decoder, where sqlx keeps its message — its
//! `try_from` path reports a conversion error only as "unprintable"). An unknown name is a decode
//! error naming the column, never a default. Values are bound as `as_str()`, the same spelling.

use std::str::FromStr;

use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Any, Decode, Type, ValueRef};
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use crate::org::{OrgKind, Role};

/// SQL that sorts a status column most urgent first (`Status`'s own order, spelled out from
/// [`Status::ALL`]: the column holds names, whose text order is not urgency). Only the catalogue's
/// constant names go into the SQL text.
pub(crate) fn status_order(column: &str) -> String {
    let mut sql = format!("CASE {column}");
    for (rank, status) in Status::ALL.iter().enumerate() {
        sql.push_str(&format!(" WHEN '{}' THEN {rank}", status.as_str()));
    }
    sql.push_str(&format!(" ELSE {} END", Status::ALL.len()));
    sql
}

/// A catalogue enum in a TEXT column, by name: decoded with the enum's own `FromStr`, and a name
/// that is not one of its values is a decode error that says which (sqlx names the column).
pub(crate) struct ByName<T>(T);

impl<T> ByName<T> {
    /// The decoded value: for enums stored by name whose `From` conversion lives beside them
    /// (`store::trend`'s `Part`), so this module need not import them.
    pub(crate) fn into_inner(self) -> T {
        self.0
    }
}

/// The same in a nullable column (NULL is `None`).
pub(crate) struct NullableByName<T>(Option<T>);

/// A stored name that is not one of the enum's.
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {name:?}")]
struct UnknownName {
    what: &'static str,
    name: String,
}

/// A catalogue enum stored by name.
pub(crate) trait Named: FromStr {
    /// What it is, for errors.
    const WHAT: &'static str;
}

impl Named for Status {
    const WHAT: &'static str = "status";
}

impl Named for Target {
    const WHAT: &'static str = "target";
}

impl Named for Role {
    const WHAT: &'static str = "role";
}

impl Named for OrgKind {
    const WHAT: &'static str = "organisation kind";
}

fn parse<T: Named>(name: &str) -> Result<T, BoxDynError> {
    name.parse().map_err(|_| {
        Box::new(UnknownName {
            what: T::WHAT,
            name: name.to_string(),
        }) as BoxDynError
    })
}

impl<T> Type<Any> for ByName<T> {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<T> Type<Any> for NullableByName<T> {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r, T: Named> Decode<'r, Any> for ByName<T> {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let name = <String as Decode<Any>>::decode(value)?;
        parse(&name).map(ByName)
    }
}

impl<'r, T: Named> Decode<'r, Any> for NullableByName<T> {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(NullableByName(None));
        }
        let name = <String as Decode<Any>>::decode(value)?;
        parse(&name).map(|v| NullableByName(Some(v)))
    }
}

impl From<ByName<Status>> for Status {
    fn from(stored: ByName<Status>) -> Status {
        stored.0
    }
}

impl From<NullableByName<Status>> for Option<Status> {
    fn from(stored: NullableByName<Status>) -> Option<Status> {
        stored.0
    }
}

impl From<ByName<Target>> for Target {
    fn from(stored: ByName<Target>) -> Target {
        stored.0
    }
}

impl From<ByName<Role>> for Role {
    fn from(stored: ByName<Role>) -> Role {
        stored.0
    }
}

impl From<ByName<OrgKind>> for OrgKind {
    fn from(stored: ByName<OrgKind>) -> OrgKind {
        stored.0
    }
}
