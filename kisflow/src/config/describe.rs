//! Our words for what went wrong: serde-saphyr's errors rewritten, and "did you mean" hints.

use serde_saphyr::Error;
use serde_saphyr::budget::BudgetBreach;

/// The message and position of a serde-saphyr error. Messages built by our field readers
/// (`fields.rs`) pass through; the parser's and serde's are reworded.
pub(super) fn describe(error: &Error) -> (String, Option<serde_saphyr::Location>) {
    let error = error.without_snippet();
    let location = error.location().filter(|l| l.line() > 0);
    let message = match error {
        Error::Message { msg, .. } => msg.clone(),
        Error::ExternalMessage { msg, .. } => format!("invalid YAML: {msg}"),
        Error::DuplicateMappingKey { key: Some(key), .. } => {
            format!("key `{key}` appears twice in one mapping; keep one of them")
        }
        Error::DuplicateMappingKey { key: None, .. } => {
            "a key appears twice in one mapping; keep one of them".to_owned()
        }
        Error::MultipleDocuments { .. } => "a config file holds one YAML document; move the \
                                            one that starts here into a file of its own"
            .to_owned(),
        Error::Unexpected { expected, .. } => format!("expected {} here", our_word(expected)),
        Error::NullIntoString { .. } => "expected a text value here, found nothing".to_owned(),
        Error::UnknownAnchor { .. } => {
            "this alias names an anchor that is not defined before it".to_owned()
        }
        Error::AliasError { error, .. } => return (describe(error).0, location),
        Error::Budget {
            breach: BudgetBreach::Depth { .. },
            ..
        } => "values nest more than 64 levels deep here; a config needs 4 at most".to_owned(),
        Error::Budget { breach, .. } => {
            format!("the document is too big to read ({breach:?}); a config is far smaller")
        }
        Error::SerdeUnknownField {
            field, expected, ..
        } => unknown("key", field, expected),
        Error::SerdeMissingField { field, .. } => format!("missing `{field}`"),
        other => without_position(&other.to_string()),
    };
    (message, location)
}

/// serde-saphyr's name of a YAML node, in a config writer's words.
fn our_word(expected: &str) -> &str {
    match expected {
        "mapping start" => "a mapping of `key: value` lines",
        "sequence start" => "a list",
        "string scalar" => "a text value",
        other => other,
    }
}

/// Drops the " at line N, column M" that serde-saphyr appends, since a [`Problem`] carries its
/// place apart.
///
/// [`Problem`]: super::Problem
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) if message[cut..].contains(", column ") => message[..cut].to_owned(),
        _ => message.to_owned(),
    }
}

/// The message for an unknown key or kind: what was found, a "did you mean" for a near miss,
/// and the expected names.
pub(super) fn unknown(what: &str, found: &str, expected: &[&str]) -> String {
    let hint = nearest(found, expected)
        .map(|near| format!("did you mean `{near}`? "))
        .unwrap_or_default();
    format!(
        "unknown {what} `{}`; {hint}expected one of {}",
        crate::error::excerpt(found),
        expected.join(", ")
    )
}

/// The candidate closest to `found`, when it is close enough to be a typo: equal but for case,
/// or one edit away (two for words of six letters or more).
pub(super) fn nearest<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // A text longer than every candidate by more than two edits is no typo of one; without this
    // bound a huge value would cost its length times each candidate's.
    let longest = candidates
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    if found.len() > 4 * (longest + 2) || found.chars().count() > longest + 2 {
        return None;
    }
    let found = found.to_lowercase();
    let limit = match found.chars().count() {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    };
    candidates
        .iter()
        .map(|candidate| (distance(&found, &candidate.to_lowercase()), *candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours
/// as one edit (optimal string alignment), over characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: the one before the previous is needed for swaps.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_swaps_as_one_edit() {
        assert_eq!(distance("fucn", "func"), 1);
        assert_eq!(distance("cnam", "cname"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("flow", "flow"), 0);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearest_suggests_only_close_names() {
        let kinds = ["func", "flow", "conn", "global"];
        assert_eq!(nearest("fucn", &kinds), Some("func"));
        assert_eq!(nearest("Global", &kinds), Some("global"));
        assert_eq!(nearest("pipeline", &kinds), None);
        assert_eq!(nearest("fn", &kinds), None);
    }

    #[test]
    fn a_huge_unknown_value_gets_no_search_and_is_echoed_shortened() {
        let huge = "x".repeat(2 << 20);
        assert_eq!(nearest(&huge, &["Verify", "Save"]), None);
        let message = unknown("kistype", &huge, &["func", "flow"]);
        assert!(message.len() < 300, "{} bytes", message.len());
        assert!(
            message.ends_with("…`; expected one of func, flow"),
            "{message}"
        );
    }

    #[test]
    fn positions_are_cut_from_messages() {
        assert_eq!(
            without_position("invalid u32 at line 5, column 16"),
            "invalid u32"
        );
        assert_eq!(without_position("no position"), "no position");
    }
}
