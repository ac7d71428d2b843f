//! Committing rows: typed, in batches, or as JSON decoded once, at the entry, into the first
//! function's input type.

use serde::de::DeserializeOwned;

use super::core::FlowCore;
use super::{Flow, FlowSpec};
use crate::error::Result;
use crate::function::JsonRef;

/// A JSON row as [`Flow::commit_json`] takes it: a text (`&str`, `String`) or a
/// [`serde_json::Value`].
pub trait JsonRow: sealed::Sealed {
    #[doc(hidden)]
    fn json_ref(&self) -> JsonRef<'_>;
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
    fn json_ref(&self) -> JsonRef<'_> {
        JsonRef::Text(self)
    }
}

impl JsonRow for String {
    fn json_ref(&self) -> JsonRef<'_> {
        JsonRef::Text(self)
    }
}

impl JsonRow for &String {
    fn json_ref(&self) -> JsonRef<'_> {
        JsonRef::Text(self)
    }
}

impl JsonRow for serde_json::Value {
    fn json_ref(&self) -> JsonRef<'_> {
        JsonRef::Value(self)
    }
}

impl JsonRow for &serde_json::Value {
    fn json_ref(&self) -> JsonRef<'_> {
        JsonRef::Value(self)
    }
}

impl FlowCore {
    /// Decodes the committed JSON row numbered `row_number` with `decode`, after checking the
    /// fields `source.must` requires on the JSON when there are any. Typed and [`DynFlow`]
    /// commits both come through here, so a row gets one verdict whichever way it enters.
    ///
    /// [`DynFlow`]: super::DynFlow
    pub(crate) fn decode_json<T>(
        &self,
        row: JsonRef<'_>,
        row_number: usize,
        decode: impl FnOnce(JsonRef<'_>) -> std::result::Result<T, serde_json::Error>,
    ) -> Result<T> {
        let failed = |err: serde_json::Error, row: JsonRef<'_>| {
            self.decode_error(row_number, &err.to_string(), row.excerpt())
        };
        if self.settings.must.is_empty() {
            // Text goes straight into the row type, without a `Value` in between.
            return decode(row).map_err(|err| failed(err, row));
        }
        // Required fields are checked on the JSON, before types hide whether they were there.
        let parsed;
        let value = match row {
            JsonRef::Value(value) => value,
            JsonRef::Text(_) => {
                parsed = row
                    .decode::<serde_json::Value>()
                    .map_err(|err| failed(err, row))?;
                &parsed
            }
        };
        self.check_must(value, row_number, || row.excerpt())?;
        // Decoded from what was committed, so the verdict, the place in the error and the row
        // it echoes are the ones a row without required fields gets.
        decode(row).map_err(|err| failed(err, row))
    }
}

impl<S: FlowSpec> Flow<S> {
    /// Commits one source row of the first function's input type.
    pub fn commit(&mut self, row: S::In) -> Result<()> {
        if self.source.capacity() == 0 {
            // Exactly the last batch's size: `reserve` would round a one-row batch up to four
            // rows, which the run then shrinks back (a `realloc`, 541 instructions of a W3 run).
            self.source.reserve_exact(self.last_batch);
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
    #[allow(
        clippy::needless_pass_by_value,
        reason = "`commit_json(text)` and `commit_json(value)` read as users write them; the JSON is only read"
    )]
    pub fn commit_json(&mut self, row: impl JsonRow) -> Result<()>
    where
        S::In: DeserializeOwned,
    {
        let row_number = self.committed() + 1;
        // A closure: the method's lifetime is its impl's, not general enough to pass as it is.
        #[allow(clippy::redundant_closure_for_method_calls, reason = "see above")]
        let row = (self.inner.core).decode_json(row.json_ref(), row_number, |row| row.decode())?;
        self.commit(row)
    }
}
