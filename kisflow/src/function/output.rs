//! [`IntoOutput`]: the return types a handler may have, turned into one batch of output rows.

use super::NoRows;
use crate::error::BoxError;

/// The return types a handler may have, turned into one batch of output rows.
pub trait IntoOutput<T> {
    /// The rows, or the handler's error.
    fn into_output(self) -> Result<Vec<T>, BoxError>;
}

impl<T> IntoOutput<T> for Vec<T> {
    #[inline]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        Ok(self)
    }
}

impl<T, E: Into<BoxError>> IntoOutput<T> for Result<Vec<T>, E> {
    #[inline]
    fn into_output(self) -> Result<Vec<T>, BoxError> {
        self.map_err(Into::into)
    }
}

impl IntoOutput<NoRows> for () {
    #[inline]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        Ok(Vec::new())
    }
}

impl<E: Into<BoxError>> IntoOutput<NoRows> for Result<(), E> {
    #[inline]
    fn into_output(self) -> Result<Vec<NoRows>, BoxError> {
        self.map(|()| Vec::new()).map_err(Into::into)
    }
}
