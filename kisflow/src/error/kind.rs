//! [`ErrorKind`]: the class of an [`Error`], for policies that must tell failures apart (retry a
//! connector that is down, send a row that does not decode to dead letters) without reading text.

use super::Error;

/// The class of an [`Error`]: what went wrong, in the terms a retry or dead-letter policy needs.
///
/// ```
/// use kisflow::{Error, ErrorKind};
///
/// let err = Error::Handler { flow: "F".into(), function: "f".into(), source: "busy".into() };
/// assert_eq!(err.kind(), ErrorKind::Handler);
/// assert!(err.kind().may_succeed_later());
/// let err = Error::Disabled { flow: "F".into(), reason: "status: 0".into() };
/// assert!(!err.kind().may_succeed_later());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A row does not decode into the flow's input type or lacks a required field: the row
    /// itself is bad, and trying it again gives the same answer.
    Decode,
    /// A handler returned an error.
    Handler,
    /// A handler panicked.
    Panic,
    /// A connector failed to start or is not ready yet: its server may come back.
    ConnectorUnavailable,
    /// The flow is switched off (`status: 0`).
    Disabled,
    /// Configuration does not fit: a config file, settings, a composition, a name that is not
    /// registered, a connector nobody gives, an action a function does not declare, a step limit
    /// reached.
    Config,
    /// A value or a row has another type than asked for.
    Type,
    /// Reading or writing a file or socket failed.
    Io,
    /// A message from user code ([`Error::msg`]).
    Message,
    /// kisflow reached a state its own checks rule out.
    Internal,
    /// A row came behind the watermark of a window or a join, past its allowed lateness: it was
    /// not counted, and sending it again gives the same answer ([`window`](crate::window)).
    Late,
}

impl ErrorKind {
    /// Whether the same work may succeed when tried again later: handler errors, panics and
    /// unavailable connectors may; a row that does not decode, a switched-off flow or a config
    /// that does not fit will not until someone changes something.
    #[must_use]
    pub fn may_succeed_later(self) -> bool {
        matches!(
            self,
            Self::Handler | Self::Panic | Self::ConnectorUnavailable | Self::Io | Self::Message
        )
    }
}

impl Error {
    /// The class of this error; see [`ErrorKind`].
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            // A handler that says its store is down (`Error::unavailable`) makes the run wait for
            // the store, not bury its rows.
            Self::Handler { source, .. } => match source.downcast_ref::<Error>() {
                Some(inner) if inner.kind() == ErrorKind::ConnectorUnavailable => {
                    ErrorKind::ConnectorUnavailable
                }
                _ => ErrorKind::Handler,
            },
            Self::Panic { .. } | Self::Redelivered { .. } => ErrorKind::Panic,
            Self::Decode(_) | Self::MissingField(_) | Self::NotJson { .. } => ErrorKind::Decode,
            Self::ConnectorInit { .. }
            | Self::ConnectorClient { .. }
            | Self::Coordinator { .. } => ErrorKind::ConnectorUnavailable,
            Self::Disabled { .. } => ErrorKind::Disabled,
            Self::Duplicate(_)
            | Self::Unknown { .. }
            | Self::Action { .. }
            | Self::StepLimit { .. }
            | Self::Config(_)
            | Self::Compose { .. }
            | Self::Settings { .. }
            | Self::Export { .. }
            | Self::Connector { .. }
            | Self::Schedule { .. }
            | Self::ConnectorConfig { .. } => ErrorKind::Config,
            Self::WrongType { .. } | Self::RowType { .. } | Self::Encode { .. } => ErrorKind::Type,
            Self::Serve { .. } | Self::Io { .. } => ErrorKind::Io,
            Self::Message(_) => ErrorKind::Message,
            Self::Internal { .. } => ErrorKind::Internal,
        }
    }
}
