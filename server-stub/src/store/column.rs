//! How the catalogue's enums are stored: `Status` and `Target` by name in TEXT columns (and, the
//! same way, the collector's own `Role` and `OrgKind`), and calendar dates as `YYYY-MM-DD` text.
//!
//! The catalogue knows nothing of SQL, and the orphan rule keeps sqlx's traits off its types here,
//! so a row decodes the column as a [`ByName`] (or [`NullableByName`]), which parses it with the
//! catalogue's own `FromStr`, and unwraps it (`#[sqlx(try_from = "ByName<Status>")]`, an infallible
//! conversion: the parse error is raised by the decoder, where sqlx keeps its message — its
//! `try_from` path reports a conversion error only as "unprintable"). An unknown name is a decode
//! error naming the column, never a default. Values are bound as `as_str()`, the same spelling.

use std::str::FromStr;

use chrono::NaiveDate;
use sqlx::any::{AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Any, Decode, Type, ValueRef};
use sunset_catalog::catalog::{Layer, Target};
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

impl Named for Layer {
    const WHAT: &'static str = "catalogue layer";
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

impl From<ByName<Layer>> for Layer {
    fn from(stored: ByName<Layer>) -> Layer {
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

/// A calendar date in a TEXT column (`YYYY-MM-DD`, migration 1's convention, so text order is date
/// order). sqlx's `Any` driver decodes no chrono type, and the orphan rule keeps its traits off
/// `NaiveDate`, so rows decode the text through this (`#[sqlx(try_from = "DateText")]`); text that
/// is not a date is a decode error naming the column, never a default.
pub(crate) struct DateText(NaiveDate);

/// The same in a nullable column (NULL is `None`), e.g. a `MIN` over no rows.
pub(crate) struct NullableDateText(Option<NaiveDate>);

/// Stored text that is not a `YYYY-MM-DD` date.
#[derive(Debug, thiserror::Error)]
#[error("not a YYYY-MM-DD date: {0:?}")]
struct NotADate(String);

fn parse_date(text: &str) -> Result<NaiveDate, BoxDynError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Box::new(NotADate(text.to_string())) as BoxDynError)
}

impl Type<Any> for DateText {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl Type<Any> for NullableDateText {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for DateText {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <String as Decode<Any>>::decode(value)?;
        parse_date(&text).map(DateText)
    }
}

impl<'r> Decode<'r, Any> for NullableDateText {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(NullableDateText(None));
        }
        let text = <String as Decode<Any>>::decode(value)?;
        parse_date(&text).map(|d| NullableDateText(Some(d)))
    }
}

impl From<DateText> for NaiveDate {
    fn from(stored: DateText) -> NaiveDate {
        stored.0
    }
}

impl From<NullableDateText> for Option<NaiveDate> {
    fn from(stored: NullableDateText) -> Option<NaiveDate> {
        stored.0
    }
}
