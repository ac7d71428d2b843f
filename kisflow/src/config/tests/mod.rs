//! The loader's tests: a catalogue of problems with their exact text and place (`documents`,
//! `values`), whole trees of files (`tree`, including Go's `test/load_conf`), round trips through
//! `to_yaml` (`round_trip`), and properties (`props`).

mod branches;
mod documents;
mod props;
mod round_trip;
mod sources;
mod tree;
mod values;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Config;

/// The problems of loading one document named `f.yml`, one `file:line:column: message` each.
fn problems(yaml: &str) -> Vec<String> {
    match Config::load_str("f.yml", yaml) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.problems().iter().map(ToString::to_string).collect(),
    }
}

/// A document that must load.
fn loads(yaml: &str) -> Config {
    Config::load_str("f.yml", yaml).unwrap_or_else(|errors| panic!("{errors}"))
}

/// A directory of its own under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let name = format!("kisflow-config-{tag}-{}-{n}", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    /// Writes `content` at `relative`, creating its directories.
    fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> &Self {
        let path = self.0.join(relative);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("dirs");
        fs::write(path, content).expect("write");
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// How problems name the file at `relative`.
    fn shown(&self, relative: &str) -> String {
        self.0.join(relative).display().to_string()
    }

    /// The problems of loading the whole directory.
    fn problems(&self) -> Vec<String> {
        match Config::load(self.path()) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.problems().iter().map(ToString::to_string).collect(),
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
