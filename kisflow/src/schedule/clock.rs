//! [`Clock`]: the time an instance believes it is. Injectable, so a test can run one instance
//! with a skewed clock and show that correctness does not depend on clocks agreeing.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{Error, Result};

/// The environment variable [`Clock::from_env`] reads: a signed offset in milliseconds added to
/// the system clock. A test hook; leave it unset in production.
pub const CLOCK_OFFSET_ENV: &str = "KISFLOW_CLOCK_OFFSET_MS";

/// The system clock, shifted by a fixed offset.
///
/// ```
/// use kisflow::schedule::Clock;
///
/// let ahead = Clock::offset_ms(2000);
/// let gap = ahead.now() - Clock::system().now();
/// assert!(gap.num_milliseconds() >= 1990);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    offset: TimeDelta,
}

impl Clock {
    /// The system clock as it is.
    #[must_use]
    pub fn system() -> Self {
        Self::default()
    }

    /// The system clock plus `ms` milliseconds (negative: behind).
    #[must_use]
    pub fn offset_ms(ms: i64) -> Self {
        Self {
            offset: TimeDelta::milliseconds(ms),
        }
    }

    /// The system clock shifted by [`CLOCK_OFFSET_ENV`] when it is set.
    pub fn from_env() -> Result<Self> {
        match std::env::var(CLOCK_OFFSET_ENV) {
            Err(_) => Ok(Self::system()),
            Ok(text) => text.trim().parse().map(Self::offset_ms).map_err(|_| {
                Error::msg(format!(
                    "{CLOCK_OFFSET_ENV}=\"{text}\" is not a whole number of milliseconds; \
                     unset it or write one such as 2000"
                ))
            }),
        }
    }

    /// What this clock says it is now.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}
