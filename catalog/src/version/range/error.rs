//! Why a catalogue's version range was rejected, quoting the part at fault.

/// A version range that cannot be used, with the offending text quoted for the catalogue author.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// Nothing was written; `*` is how to say "every version".
    #[error("empty version range: write `*` to match every version")]
    Empty,
    /// Two commas in a row, or a leading or trailing comma.
    #[error("empty constraint in `{range}`: remove the stray comma")]
    EmptyConstraint {
        /// The whole range.
        range: String,
    },
    /// An operator other than `=`, `>`, `>=`, `<`, `<=`.
    #[error(
        "unknown operator `{operator}` in `{constraint}`: use =, >, >=, <, <=, a bare version or `X.*`"
    )]
    UnknownOperator {
        /// The operator as written.
        operator: String,
        /// The constraint it appears in.
        constraint: String,
    },
    /// An operator with nothing after it.
    #[error("no version after operator `{operator}` in `{constraint}`")]
    MissingVersion {
        /// The operator as written.
        operator: String,
        /// The constraint it appears in.
        constraint: String,
    },
    /// A version without a single digit, which no scheme can order meaningfully.
    #[error("`{constraint}` has no version number")]
    NoNumber {
        /// The constraint as written.
        constraint: String,
    },
    /// Whitespace inside a version, usually constraints separated by spaces instead of commas.
    #[error("`{constraint}` contains a space: separate constraints with commas")]
    Space {
        /// The constraint as written.
        constraint: String,
    },
    /// A wildcard other than a trailing `.*` on dotted numbers.
    #[error(
        "bad prefix pattern `{constraint}`: write dotted numbers then `.*`, like `3.11.*`, without an operator"
    )]
    BadPrefix {
        /// The constraint as written.
        constraint: String,
    },
    /// Two constraints no version can satisfy together, such as `>=2, <1`.
    #[error("contradictory bounds `{first}` and `{second}`: no version satisfies both")]
    Contradictory {
        /// The first constraint of the pair.
        first: String,
        /// The second constraint of the pair.
        second: String,
    },
    /// The `semver` crate rejected a requirement of the semver scheme.
    #[error("invalid semver requirement `{range}`: {reason}")]
    Semver {
        /// The whole range.
        range: String,
        /// The `semver` crate's explanation.
        reason: String,
    },
}
