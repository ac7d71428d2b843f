//! [`Change`] and [`Op`]: the typed row a flow fed by a binlog source receives.

use serde::{Deserialize, Serialize};

/// What a row change did to its table.
///
/// ```
/// use kisflow::source::binlog::Op;
///
/// let op: Op = serde_json::from_str("\"update\"").unwrap();
/// assert_eq!(op, Op::Update);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// A row was inserted: `after` holds it.
    Insert,
    /// A row was updated: `before` and `after` hold both images.
    Update,
    /// A row was deleted: `before` holds it.
    Delete,
}

impl Op {
    /// `"insert"`, `"update"` or `"delete"`, as in the JSON payload.
    ///
    /// ```
    /// assert_eq!(kisflow::source::binlog::Op::Delete.as_str(), "delete");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }
}

/// One row change read from the binlog, with the row images decoded into `T`: the input row of
/// a flow fed by a [`BinlogSource`](super::BinlogSource).
///
/// The JSON payload of each message is this struct: `{"op", "db", "table", "position",
/// "before", "after"}`, where an image is an object of the table's columns (see the [module
/// docs](super) for how column types map to JSON). `T` is a `#[derive(Deserialize)]` struct of
/// the columns a flow needs; columns it does not name are ignored.
///
/// ```
/// use kisflow::source::binlog::{Change, Op};
///
/// #[derive(serde::Deserialize)]
/// struct Order {
///     id: i64,
///     qty: i64,
/// }
///
/// let payload = r#"{"op":"update","db":"shop","table":"orders","position":"binlog.000001:1292",
///     "before":{"id":1,"qty":2,"note":null},"after":{"id":1,"qty":9,"note":null}}"#;
/// let change: Change<Order> = serde_json::from_str(payload).unwrap();
/// assert_eq!(change.op, Op::Update);
/// assert_eq!((change.before.unwrap().qty, change.after.unwrap().qty), (2, 9));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change<T> {
    /// Insert, update or delete.
    pub op: Op,
    /// The database (schema) of the table.
    pub db: String,
    /// The table.
    pub table: String,
    /// Where the change's rows event ends in the binlog, `file:position`.
    pub position: String,
    /// The row before the change: `None` for an insert.
    pub before: Option<T>,
    /// The row after the change: `None` for a delete.
    pub after: Option<T>,
}

impl<T> Change<T> {
    /// The row as it is now: `after`, or `before` for a delete.
    ///
    /// ```
    /// use kisflow::source::binlog::{Change, Op};
    ///
    /// let gone = Change { op: Op::Delete, db: "shop".into(), table: "orders".into(),
    ///     position: "binlog.000001:4".into(), before: Some(7), after: None };
    /// assert_eq!(gone.row(), Some(&7));
    /// ```
    #[must_use]
    pub fn row(&self) -> Option<&T> {
        self.after.as_ref().or(self.before.as_ref())
    }
}
