//! [`Payload`]: a message's bytes, kept in the buffer its client received them in.

use std::fmt;
use std::ops::Deref;

/// A message's payload, byte for byte as received: a JSON row of the flow's input type.
///
/// It derefs to `[u8]`. It holds either a `Vec<u8>` (the RabbitMQ and Redis clients hand out
/// one; a source moves it in, without a copy) or, with the `bytes` feature (on with `nats`), a
/// `bytes::Bytes`, so a JetStream message's payload stays in the buffer the client read it into
/// instead of being copied out. Cloning a `Bytes` payload shares the buffer.
///
/// ```
/// use kisflow::source::Payload;
///
/// let payload = Payload::from(r#"{"n":1}"#);
/// assert_eq!(payload, br#"{"n":1}"#);
/// assert_eq!(payload.len(), 7);
/// assert_eq!(std::str::from_utf8(&payload).unwrap(), r#"{"n":1}"#);
/// assert_eq!(payload.into_vec(), br#"{"n":1}"#.to_vec());
/// ```
#[derive(Clone, Default)]
pub struct Payload(Repr);

#[derive(Clone)]
enum Repr {
    Owned(Vec<u8>),
    #[cfg(feature = "bytes")]
    Shared(bytes::Bytes),
}

impl Default for Repr {
    fn default() -> Self {
        Self::Owned(Vec::new())
    }
}

impl Payload {
    /// The bytes as a `Vec<u8>`: moved out when the payload owns one, else copied.
    ///
    /// ```
    /// let bytes = kisflow::source::Payload::from(vec![1, 2]).into_vec();
    /// assert_eq!(bytes, [1, 2]);
    /// ```
    #[must_use]
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            Repr::Owned(bytes) => bytes,
            #[cfg(feature = "bytes")]
            Repr::Shared(bytes) => Vec::from(bytes),
        }
    }
}

impl Deref for Payload {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Owned(bytes) => bytes,
            #[cfg(feature = "bytes")]
            Repr::Shared(bytes) => bytes,
        }
    }
}

impl AsRef<[u8]> for Payload {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<Vec<u8>> for Payload {
    fn from(bytes: Vec<u8>) -> Self {
        Self(Repr::Owned(bytes))
    }
}

impl From<&[u8]> for Payload {
    fn from(bytes: &[u8]) -> Self {
        Self::from(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for Payload {
    fn from(bytes: &[u8; N]) -> Self {
        Self::from(bytes.to_vec())
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Self::from(text.into_bytes())
    }
}

impl From<&str> for Payload {
    fn from(text: &str) -> Self {
        Self::from(text.as_bytes())
    }
}

/// Keeps the client's buffer: no copy (feature `bytes`).
#[cfg(feature = "bytes")]
impl From<bytes::Bytes> for Payload {
    fn from(bytes: bytes::Bytes) -> Self {
        Self(Repr::Shared(bytes))
    }
}

impl fmt::Debug for Payload {
    /// The bytes as a byte string, `b"{\"n\":1}"`, however they are held.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.escape_ascii())
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Payload {}

impl std::hash::Hash for Payload {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl PartialEq<[u8]> for Payload {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl PartialEq<&[u8]> for Payload {
    fn eq(&self, other: &&[u8]) -> bool {
        **self == **other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Payload {
    fn eq(&self, other: &[u8; N]) -> bool {
        **self == other[..]
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Payload {
    fn eq(&self, other: &&[u8; N]) -> bool {
        **self == other[..]
    }
}

impl PartialEq<Vec<u8>> for Payload {
    fn eq(&self, other: &Vec<u8>) -> bool {
        **self == other[..]
    }
}

#[cfg(test)]
mod tests {
    use super::Payload;

    #[test]
    fn payloads_compare_and_show_by_their_bytes() {
        let owned = Payload::from(b"a\"\n".to_vec());
        assert_eq!(format!("{owned:?}"), r#"b"a\"\n""#);
        assert_eq!(owned, b"a\"\n");
        assert_ne!(owned, b"a");
        assert_eq!(Payload::default(), b"");
        #[cfg(feature = "bytes")]
        {
            let shared = Payload::from(bytes::Bytes::from_static(b"a\"\n"));
            assert_eq!(shared, owned);
            assert_eq!(format!("{shared:?}"), format!("{owned:?}"));
            assert_eq!(shared.into_vec(), b"a\"\n");
        }
    }
}
