//! The five function modes of KisFlow.

use std::fmt;

/// What a function is for. The mode documents intent, labels metrics and decides which connector
/// operations a function may use; it does not change how rows move.
///
/// ```
/// use kisflow::Mode;
/// assert_eq!(Mode::Calculate.as_str(), "Calculate");
/// assert_eq!("Expand".parse::<Mode>(), Ok(Mode::Expand));
/// assert!("Calc".parse::<Mode>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Filter, validate or deduplicate rows.
    Verify,
    /// Store rows through a connector.
    Save,
    /// Fetch rows through a connector.
    Load,
    /// Compute or aggregate.
    Calculate,
    /// A sink or custom step, usually last.
    Expand,
}

impl Mode {
    /// Every mode, in KisFlow's order.
    pub const ALL: [Mode; 5] = [
        Mode::Verify,
        Mode::Save,
        Mode::Load,
        Mode::Calculate,
        Mode::Expand,
    ];

    /// The name used in YAML (`fmode`) and in metrics labels.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Verify => "Verify",
            Mode::Save => "Save",
            Mode::Load => "Load",
            Mode::Calculate => "Calculate",
            Mode::Expand => "Expand",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Mode`] from a string; its message lists the valid modes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown mode \"{0}\", expected one of \"Verify\", \"Save\", \"Load\", \"Calculate\", \"Expand\""
)]
pub struct UnknownMode(pub String);

impl std::str::FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == s)
            .ok_or_else(|| UnknownMode(s.to_owned()))
    }
}
