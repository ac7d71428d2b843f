//! [`MessageId`]: a message's id in its source, cheap to make and to hand back.

use std::fmt;

/// A message's id in its source: what the runner hands back to [`Source::ack`], and what dead
/// letters and errors name it by.
///
/// A source keeps the broker's own handle in the form it acks with, so an ack finds its message
/// without parsing text: a JetStream stream sequence is a [`number`](Self::number), a RabbitMQ
/// `<session>-<delivery tag>` a [`pair`](Self::pair), a Redis Streams entry id or a Kafka
/// `topic/partition/offset` [`text`](Self::text). Numbers and pairs are made and cloned without
/// allocating. [`Display`](fmt::Display) writes the id as the broker's tools show it: `42`,
/// `3-42`, `1700000000000-0`.
///
/// ```
/// use kisflow::source::MessageId;
///
/// let id = MessageId::pair(3, 42);
/// assert_eq!(id.to_string(), "3-42");
/// assert_eq!(id.as_pair(), Some((3, 42)));
/// assert_eq!(id, "3-42");
/// assert_eq!(MessageId::number(7).as_number(), Some(7));
/// assert_eq!(MessageId::from("1700000000000-0").as_text(), Some("1700000000000-0"));
/// ```
///
/// [`Source::ack`]: super::super::Source::ack
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MessageId(Repr);

/// The three forms; two ids of different forms are different ids, even when they are shown
/// alike (`MessageId::number(3)` and `MessageId::text("3")`): a source makes all its ids one way.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Number(u64),
    Pair(u64, u64),
    Text(Box<str>),
}

impl MessageId {
    /// An id that is one number, shown in decimal: a stream sequence, an offset, a line number.
    ///
    /// ```
    /// assert_eq!(kisflow::source::MessageId::number(1042).to_string(), "1042");
    /// ```
    #[must_use]
    pub const fn number(n: u64) -> Self {
        Self(Repr::Number(n))
    }

    /// An id of two numbers, shown `first-second`: a RabbitMQ session and delivery tag.
    ///
    /// ```
    /// assert_eq!(kisflow::source::MessageId::pair(1, 9).to_string(), "1-9");
    /// ```
    #[must_use]
    pub const fn pair(first: u64, second: u64) -> Self {
        Self(Repr::Pair(first, second))
    }

    /// An id as text, shown as it is: a Redis Streams entry id, a binlog position.
    ///
    /// ```
    /// let id = kisflow::source::MessageId::text("orders/0/17");
    /// assert_eq!(id.as_text(), Some("orders/0/17"));
    /// ```
    #[must_use]
    pub fn text(text: impl Into<Box<str>>) -> Self {
        Self(Repr::Text(text.into()))
    }

    /// The number of an id made by [`number`](Self::number).
    ///
    /// ```
    /// use kisflow::source::MessageId;
    /// assert_eq!(MessageId::number(5).as_number(), Some(5));
    /// assert_eq!(MessageId::text("5").as_number(), None);
    /// ```
    #[must_use]
    pub fn as_number(&self) -> Option<u64> {
        match self.0 {
            Repr::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The two numbers of an id made by [`pair`](Self::pair).
    ///
    /// ```
    /// use kisflow::source::MessageId;
    /// assert_eq!(MessageId::pair(2, 8).as_pair(), Some((2, 8)));
    /// assert_eq!(MessageId::number(8).as_pair(), None);
    /// ```
    #[must_use]
    pub fn as_pair(&self) -> Option<(u64, u64)> {
        match self.0 {
            Repr::Pair(first, second) => Some((first, second)),
            _ => None,
        }
    }

    /// The text of an id made by [`text`](Self::text).
    ///
    /// ```
    /// use kisflow::source::MessageId;
    /// assert_eq!(MessageId::text("1-0").as_text(), Some("1-0"));
    /// assert_eq!(MessageId::pair(1, 0).as_text(), None);
    /// ```
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match &self.0 {
            Repr::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Number(n) => write!(f, "{n}"),
            Repr::Pair(first, second) => write!(f, "{first}-{second}"),
            Repr::Text(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({:?})", self.to_string())
    }
}

impl From<u64> for MessageId {
    fn from(n: u64) -> Self {
        Self::number(n)
    }
}

impl From<String> for MessageId {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&str> for MessageId {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

/// Compares the id as [`Display`](fmt::Display) shows it, without making a `String`.
impl PartialEq<str> for MessageId {
    fn eq(&self, other: &str) -> bool {
        let mut rest = Rest(other);
        fmt::write(&mut rest, format_args!("{self}")).is_ok() && rest.0.is_empty()
    }
}

impl PartialEq<&str> for MessageId {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for MessageId {
    fn eq(&self, other: &String) -> bool {
        *self == **other
    }
}

/// What is left of the text compared with; writing fails at the first difference.
struct Rest<'a>(&'a str);

impl fmt::Write for Rest<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::MessageId;

    #[test]
    fn ids_show_and_compare_as_their_sources_write_them() {
        for (id, shown) in [
            (MessageId::number(0), "0"),
            (MessageId::number(u64::MAX), "18446744073709551615"),
            (MessageId::pair(3, 42), "3-42"),
            (MessageId::text("1700000000000-0"), "1700000000000-0"),
            (MessageId::text(""), ""),
        ] {
            assert_eq!(id.to_string(), shown);
            assert_eq!(id, shown);
            assert_ne!(id, format!("{shown}0").as_str());
            assert_eq!(format!("{id:?}"), format!("MessageId({shown:?})"));
        }
        assert_ne!(MessageId::pair(3, 42), "3-4");
        assert_ne!(MessageId::number(3), MessageId::text("3"), "forms differ");
    }
}
