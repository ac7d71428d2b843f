//! [`JsonLinesDeadLetters`]: dead letters appended to a file, one JSON object per line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::UNIX_EPOCH;

use futures::future::BoxFuture;

use super::{DeadLetter, DeadLetterSink};
use crate::error::{Error, Result};

/// Dead letters appended to a file as JSON lines, written and synced before the runner acks:
/// `{"source", "id", "payload", "error", "kind", "flow", "function", "attempts", "time"}`. The
/// payload is the original text when it is UTF-8, else `payload_bytes` holds its bytes.
///
/// ```
/// use kisflow::source::JsonLinesDeadLetters;
///
/// let path = std::env::temp_dir().join(format!("kisflow-doc-dead-{}.jsonl", std::process::id()));
/// let dead = JsonLinesDeadLetters::create(&path)?;
/// assert_eq!(dead.path(), path);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), kisflow::Error>(())
/// ```
#[derive(Debug)]
pub struct JsonLinesDeadLetters {
    path: PathBuf,
    file: Mutex<File>,
}

impl JsonLinesDeadLetters {
    /// Opens `path` for appending, creating it when missing.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|cause| Error::Io {
                action: "open the dead-letter file",
                path: path.clone(),
                cause,
            })?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// One letter as the JSON object of its line.
fn line(letter: &DeadLetter) -> serde_json::Value {
    let millis = letter
        .time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let mut object = serde_json::json!({
        "source": letter.source,
        "id": letter.message_id,
        "error": letter.error,
        "kind": format!("{:?}", letter.kind),
        "flow": letter.flow,
        "function": letter.function,
        "attempts": letter.attempts,
        "time": u64::try_from(millis).unwrap_or(u64::MAX),
    });
    match std::str::from_utf8(&letter.payload) {
        Ok(text) => object["payload"] = text.into(),
        Err(_) => object["payload_bytes"] = letter.payload.clone().into(),
    }
    object
}

impl DeadLetterSink for JsonLinesDeadLetters {
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, Result<()>> {
        let mut text = String::new();
        for letter in letters {
            text.push_str(&line(letter).to_string());
            text.push('\n');
        }
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|cause| Error::Io {
                action: "append to the dead-letter file",
                path: self.path.clone(),
                cause,
            });
        Box::pin(async move { written })
    }
}
