//! Committing rows: typed, in batches, or as JSON decoded once, at the entry, into the first
//! function's input type.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Flow, FlowSpec};
use crate::error::{Error, Result, excerpt};

/// A JSON row as [`Flow::commit_json`] takes it: a text (`&str`, `String`) or a
/// [`serde_json::Value`].
pub trait JsonRow: sealed::Sealed {
    #[doc(hidden)]
    fn decode<T: DeserializeOwned>(self) -> Result<T, (serde_json::Error, String)>;
    #[doc(hidden)]
    fn into_input<'a>(self) -> JsonInput<'a>
    where
        Self: 'a;
}

/// A JSON row on its way through [`DynFlow`](super::DynFlow)'s object-safe commit.
#[doc(hidden)]
#[derive(Debug)]
pub enum JsonInput<'a> {
    /// JSON text, owned or borrowed.
    Text(std::borrow::Cow<'a, str>),
    /// A parsed value, owned or borrowed.
    Value(std::borrow::Cow<'a, serde_json::Value>),
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for serde_json::Value {}
    impl Sealed for &serde_json::Value {}
}

impl JsonRow for &str {
    fn decode<T: DeserializeOwned>(self) -> Result<T, (serde_json::Error, String)> {
        serde_json::from_str(self).map_err(|e| (e, excerpt(self)))
    }

    fn into_input<'a>(self) -> JsonInput<'a>
    where
        Self: 'a,
    {
        JsonInput::Text(std::borrow::Cow::Borrowed(self))
    }
}

impl JsonRow for String {
    fn decode<T: DeserializeOwned>(self) -> Result<T, (serde_json::Error, String)> {
        self.as_str().decode()
    }

    fn into_input<'a>(self) -> JsonInput<'a>
    where
        Self: 'a,
    {
        JsonInput::Text(std::borrow::Cow::Owned(self))
    }
}

impl JsonRow for &String {
    fn decode<T: DeserializeOwned>(self) -> Result<T, (serde_json::Error, String)> {
        self.as_str().decode()
    }

    fn into_input<'a>(self) -> JsonInput<'a>
    where
        Self: 'a,
    {
        JsonInput::Text(std::borrow::Cow::Borrowed(self.as_str()))
    }
}

impl JsonRow for &serde_json::Value {
    fn decode<T: DeserializeOwned>(self) -> Result<T, (serde_json::Error, String)> {
        T::deserialize(self).map_err(|e| (e, excerpt(&self.to_string())))
    }

    fn into_input<'a>(self) -> JsonInput<'a>
    where
        Self: 'a,
    {
        JsonInput::Value(std::borrow::Cow::Borrowed(self))
    }
}

impl JsonRow for serde_json::Value {
    fn decode<T: DeserializeOwned>(self) -> Result<T, (serde_json::Error, String)> {
        // Decode from a reference so the row is still there to quote if it does not fit.
        (&self).decode()
    }

    fn into_input<'a>(self) -> JsonInput<'a>
    where
        Self: 'a,
    {
        JsonInput::Value(std::borrow::Cow::Owned(self))
    }
}

impl<S: FlowSpec> Flow<S> {
    /// Commits one source row of the first function's input type.
    pub fn commit(&mut self, row: S::In) -> Result<()> {
        if self.source.capacity() == 0 {
            self.source.reserve(self.last_batch);
        }
        self.source.push(row);
        Ok(())
    }

    /// Commits many source rows at once. A `Vec` committed to an instance with no rows waiting
    /// becomes the batch itself, without a copy.
    pub fn commit_batch(&mut self, rows: impl IntoIterator<Item = S::In>) -> Result<()> {
        if self.source.is_empty() {
            // Collecting a `vec::IntoIter` reuses its buffer, so a whole `Vec` moves in as it is.
            self.source = rows.into_iter().collect();
        } else {
            self.source.extend(rows);
        }
        Ok(())
    }

    /// Commits one row given as JSON, decoded now into the first function's input type.
    ///
    /// A row that does not decode is not committed; the error names the flow, the function, the
    /// row and serde's reason, and the rows committed before stay.
    ///
    /// ```
    /// # use kisflow::prelude::*;
    /// # use serde::Deserialize;
    /// #[derive(Deserialize)]
    /// struct Score { stu_id: i64, score: i64 }
    ///
    /// #[kis_function(mode = "Expand")]
    /// fn print(rows: Vec<Score>) {
    ///     for r in rows { println!("{}: {}", r.stu_id, r.score) }
    /// }
    /// flow!(Scores: print);
    ///
    /// let mut flow = Scores::new();
    /// flow.commit_json(r#"{"stu_id":1,"score":90}"#).unwrap();
    /// flow.commit_json(serde_json::json!({"stu_id": 2, "score": 80})).unwrap();
    /// let err = flow.commit_json(r#"{"stu_id":3}"#).unwrap_err();
    /// assert!(err.to_string().contains("missing field `score`"));
    /// assert_eq!(flow.committed(), 2);
    /// ```
    pub fn commit_json(&mut self, row: impl JsonRow) -> Result<()>
    where
        S::In: DeserializeOwned,
    {
        if !self.inner.core.settings.must.is_empty() {
            // Required fields are checked on the JSON, before types hide whether they were there.
            let value = match row.decode::<serde_json::Value>() {
                Ok(value) => value,
                Err((err, text)) => return Err(self.decode_error(&err.to_string(), text)),
            };
            self.inner.core.check_must(&value, self.committed() + 1)?;
            return match S::In::deserialize(&value) {
                Ok(row) => self.commit(row),
                Err(err) => Err(self.decode_error(&err.to_string(), excerpt(&value.to_string()))),
            };
        }
        match row.decode::<S::In>() {
            Ok(row) => self.commit(row),
            Err((err, text)) => Err(self.decode_error(&err.to_string(), text)),
        }
    }

    fn decode_error(&self, reason: &str, row: String) -> Error {
        self.inner
            .core
            .decode_error(self.committed() + 1, reason, row)
    }
}
