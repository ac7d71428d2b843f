//! Where config items come from and the problems a load reports: [`Place`], [`Problem`],
//! [`ConfigErrors`]. They sit below [`Error`](crate::Error), which carries them, and need nothing
//! of the YAML reader, so the error type is the same with and without the `config` feature.

use std::fmt;

/// A position in a config file: `file:line:column`, 1-based.
///
/// Line and column 0 mean the whole file (a file that cannot be read, say); `Display` then
/// prints the file alone.
///
/// ```
/// use kisflow::Place;
/// let place = Place { file: "conf/func-a.yml".into(), line: 2, column: 8 };
/// assert_eq!(place.to_string(), "conf/func-a.yml:2:8");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    /// The file, as the path given to [`Config::load`](crate::config::Config::load) joined with the
    /// path inside it, or the name given to [`Config::load_str`](crate::config::Config::load_str).
    pub file: String,
    /// Line, from 1; 0 for the whole file.
    pub line: u64,
    /// Column in characters, from 1; 0 for the whole file.
    pub column: u64,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// One thing wrong with a config, with where it is.
///
#[cfg_attr(feature = "config", doc = "```")]
#[cfg_attr(not(feature = "config"), doc = "```ignore")]
/// use kisflow::config::Config;
/// let errors = Config::load_str("f.yml", "kistype: fucn\n").unwrap_err();
/// let problem = &errors.problems()[0];
/// assert_eq!(problem.place.as_ref().unwrap().to_string(), "f.yml:1:10");
/// assert!(problem.message.starts_with("unknown kistype `fucn`; did you mean `func`?"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where; `None` when the problem concerns no file (a config directory that does not exist).
    pub place: Option<Place>,
    /// What is wrong and what to do, lowercase, without a final period.
    pub message: String,
}

impl Place {
    #[cfg_attr(not(feature = "config"), allow(dead_code))]
    pub(crate) fn new(file: &str, line: u64, column: u64) -> Self {
        Self {
            file: file.to_owned(),
            line,
            column,
        }
    }
}

impl Problem {
    #[cfg_attr(not(feature = "config"), allow(dead_code))]
    pub(crate) fn new(place: Option<Place>, message: impl Into<String>) -> Self {
        Self {
            place,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some(place) => write!(f, "{place}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every problem a load found, sorted by file, line and column; `Display` writes one per line.
///
#[cfg_attr(feature = "config", doc = "```")]
#[cfg_attr(not(feature = "config"), doc = "```ignore")]
/// use kisflow::config::Config;
/// let errors = Config::load_str("f.yml", "kistype: flow\nflow_name: F\nstatus: 2\n").unwrap_err();
/// assert_eq!(
///     errors.to_string(),
///     "f.yml:3:9: `status` must be 1 (run the flow) or 0 (switch it off)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    problems: Vec<Problem>,
}

impl ConfigErrors {
    /// Sorts the problems; problems without a place come first.
    /// The problems, sorted by file, line and column, as a load reports them.
    #[must_use]
    pub fn from_problems(problems: Vec<Problem>) -> Self {
        Self::new(problems)
    }

    #[cfg_attr(not(feature = "config"), allow(dead_code))]
    pub(crate) fn new(mut problems: Vec<Problem>) -> Self {
        problems.sort_by(|a, b| a.place.cmp(&b.place));
        Self { problems }
    }

    /// The problems, sorted by file, line and column.
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// How many problems there are; never 0.
    #[must_use]
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// Always false: a load without problems returns its config, not a `ConfigErrors`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigErrors> for crate::Error {
    fn from(errors: ConfigErrors) -> Self {
        crate::Error::Config(Box::new(errors))
    }
}
