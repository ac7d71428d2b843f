//! [`Doc`]: the problems of one YAML document, with its file name. The kind readers (`func`,
//! `flow`, `conn`, `global`) report through it, below the document reader that calls them.

use serde_saphyr::Location;

use super::describe::describe;
use super::fields::Text;
use super::problem::{Place, Problem};

/// The problems of one document, with the name of its file.
pub(super) struct Doc<'a> {
    pub(super) file: &'a str,
    pub(super) problems: &'a mut Vec<Problem>,
    /// Keys whose values were of the wrong type, already reported: not "missing" too.
    pub(super) skipped: std::collections::BTreeSet<String>,
}

impl Doc<'_> {
    pub(super) fn place(&self, location: &Location) -> Place {
        super::problem::place_at(self.file, location)
    }

    pub(super) fn report(&mut self, location: &Location, message: impl Into<String>) {
        let place = self.place(location);
        self.problems.push(Problem::new(Some(place), message));
    }

    pub(super) fn report_error(&mut self, error: &serde_saphyr::Error) {
        let (message, location) = describe(error);
        let place = location.map_or_else(|| Place::new(self.file, 0, 0), |l| self.place(&l));
        self.problems.push(Problem::new(Some(place), message));
    }

    /// A required, non-empty name: `what` completes "missing `key`: <what> with `key: <name>`".
    pub(super) fn name(
        &mut self,
        text: Option<Text>,
        key: &str,
        what: &str,
        root: &Location,
    ) -> Option<Text> {
        match text {
            None if self.skipped.contains(key) => {}
            None => self.report(
                root,
                format!("missing `{key}`: {what} with `{key}: <name>`"),
            ),
            Some(text) if text.value.is_empty() => self.report(
                &text.referenced,
                format!("`{key}` is empty: {what} with `{key}: <name>`"),
            ),
            Some(text) => return Some(text),
        }
        None
    }
}
