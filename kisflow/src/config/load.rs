//! Reading a config path: the walk over a directory, the files, and the items they add.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Config;
use super::document::{self, Item, ItemKind};
use super::problem::{Place, PlaceKey, Problem};

/// Every config file under `path` (or `path` itself), read into `config`.
pub(super) fn load(path: &Path, config: &mut Config, problems: &mut Vec<Problem>) {
    let shown = path.display().to_string();
    let files = match fs::metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let what = if is_yaml(path) { "file" } else { "directory" };
            let message = format!("config {what} `{shown}` does not exist");
            problems.push(Problem::new(None, message));
            return;
        }
        Err(error) => {
            let message = format!("cannot read config path `{shown}`: {error}");
            problems.push(Problem::new(None, message));
            return;
        }
        Ok(meta) if meta.is_dir() => {
            let mut files = Vec::new();
            walk(path, &mut files, problems);
            if files.is_empty() && problems.is_empty() {
                let message = format!("config directory `{shown}` has no `.yml` or `.yaml` file");
                problems.push(Problem::new(None, message));
            }
            files
        }
        // A file named by the caller is read whatever its extension.
        Ok(_) => vec![path.to_path_buf()],
    };
    for file in files {
        let name = file.display().to_string();
        match fs::read(&file) {
            Ok(bytes) => read_bytes(&name, bytes, config, problems),
            Err(error) => problems.push(Problem::new(
                Some(Place::new(&name, 0, 0)),
                format!("cannot read the file: {error}"),
            )),
        }
    }
}

/// Reads one file's bytes: UTF-8 text with one YAML document.
fn read_bytes(name: &str, bytes: Vec<u8>, config: &mut Config, problems: &mut Vec<Problem>) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            if let Some(item) = document::read(name, &text, problems) {
                add(config, item, problems);
            }
        }
        Err(error) => {
            let good = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let bad = error.as_bytes()[good.len()];
            // `good` is valid UTF-8 by construction; the place counts its characters.
            let good = String::from_utf8_lossy(good);
            let line = good.matches('\n').count() + 1;
            let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
            problems.push(Problem::new(
                Some(Place::new(name, count(line), count(column))),
                format!("the file is not UTF-8 text (byte 0x{bad:02X} here); save it as UTF-8"),
            ));
        }
    }
}

/// Adds the `.yml` and `.yaml` files under `dir` to `files`, in sorted path order, as Go's
/// `filepath.Walk` visits them. Symbolic links to directories are not followed, so a link loop
/// cannot make the walk endless.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
    let shown = || Some(Place::new(&dir.display().to_string(), 0, 0));
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(Problem::new(
                shown(),
                format!("cannot read the directory: {error}"),
            ));
            return;
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry.and_then(|e| Ok((e.path(), e.file_type()?))) {
            Ok(found) => paths.push(found),
            Err(error) => {
                problems.push(Problem::new(
                    shown(),
                    format!("cannot read the directory: {error}"),
                ));
            }
        }
    }
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in paths {
        if kind.is_dir() {
            walk(&path, files, problems);
        } else if is_yaml(&path) && (kind.is_file() || path.is_file()) {
            files.push(path);
        }
    }
}

/// Go's rule: the extension is exactly `yml` or `yaml`, in lower case.
fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "yml" || ext == "yaml")
}

/// Adds an item unless its name is taken, which is reported at the second definition.
pub(super) fn add(config: &mut Config, item: Item, problems: &mut Vec<Problem>) {
    let Some((key, place)) = item.places.first() else {
        return;
    };
    if let Some(first) = config.places.get(key) {
        let message = match key {
            PlaceKey::Func(name) => format!("duplicate func `{name}`"),
            PlaceKey::Flow(name) => format!("duplicate flow `{name}`"),
            PlaceKey::Conn(name) => format!("duplicate conn `{name}`"),
            PlaceKey::Schedule(name) => format!("duplicate schedule `{name}`"),
            PlaceKey::Global | PlaceKey::FlowFunction { .. } => "duplicate global config".into(),
        };
        let remedy = match key {
            PlaceKey::Global => "keep one of them",
            _ => "rename or remove one of them",
        };
        problems.push(Problem::new(
            Some(place.clone()),
            format!("{message}, first defined at {first}; {remedy}"),
        ));
        return;
    }
    match item.kind {
        ItemKind::Func(func) => {
            config.funcs.insert(func.fname.clone(), func);
        }
        ItemKind::Flow(flow) => {
            config.flows.insert(flow.flow_name.clone(), flow);
        }
        ItemKind::Conn(conn) => {
            config.conns.insert(conn.cname.clone(), conn);
        }
        ItemKind::Global(global) => config.global = Some(global),
        #[cfg(feature = "schedule")]
        ItemKind::Schedule(schedule) => {
            config.schedules.insert(schedule.name.clone(), *schedule);
        }
    }
    config.places.extend(item.places);
}
