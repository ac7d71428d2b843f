//! The Config page: the YAML files of the config directory as they are on disk now, each line
//! numbered, with every problem the loader and the registry check find at `file:line:column`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use axum::extract::State as Extract;
use axum::response::Html;

use super::Shared;
use super::html::{self, esc};
use crate::Problem;

pub(super) async fn show(Extract(state): Shared) -> Html<String> {
    let Some(dir) = &state.config_dir else {
        return html::page(
            "Config",
            "/config",
            "<p data-testid=\"no-config\">This dashboard was given no config directory.</p>",
        );
    };
    let dir = dir.clone();
    // Reading and checking the files is blocking work.
    let body = tokio::task::spawn_blocking(move || render(&dir))
        .await
        .unwrap_or_else(|err| format!("<p class=\"notice refused\">{}</p>", esc(&err.to_string())));
    html::page("Config", "/config", &body)
}

fn render(dir: &Path) -> String {
    let problems = problems(dir);
    let mut out = format!(
        "<p>Directory <code>{}</code>, read now.</p>",
        esc(&dir.display().to_string())
    );
    if problems.is_empty() {
        out.push_str("<p class=\"notice\" data-testid=\"config-ok\">No problems: every file loads and every flow checks against the registered functions.</p>");
    } else {
        let _ = write!(
            out,
            "<h2>{} problem{}</h2><ul data-testid=\"problems\">",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        for problem in &problems {
            let at = problem
                .place
                .as_ref()
                .map_or_else(String::new, |p| format!("{p}: "));
            let _ = write!(
                out,
                "<li data-testid=\"problem\"><code>{}</code>{}</li>",
                esc(&at),
                esc(&problem.message)
            );
        }
        out.push_str("</ul>");
    }
    for file in yaml_files(dir) {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|err| format!("# cannot read: {err}"));
        let bad: Vec<u64> = problems
            .iter()
            .filter_map(|p| p.place.as_ref())
            .filter(|p| Path::new(&p.file).file_name() == file.file_name())
            .map(|p| p.line)
            .collect();
        let _ = write!(
            out,
            "<h2 id=\"{0}\">{0}</h2><pre class=\"lines\" data-testid=\"file-{0}\">",
            esc(&name)
        );
        for (n, line) in (1u64..).zip(text.lines()) {
            let class = if bad.contains(&n) {
                " class=\"line-problem\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<span{class}><span class=\"n\">{n}</span>{}</span>",
                esc(line)
            );
        }
        out.push_str("</pre>");
    }
    out
}

/// What loading `dir` and checking it against the registry finds, sorted by place.
fn problems(dir: &Path) -> Vec<Problem> {
    let (config, mut problems) = crate::config::Config::load_all(dir);
    if let Ok(registry) = crate::registry() {
        let partial = !problems.is_empty();
        problems.extend(crate::pool::check::problems(&config, registry, partial));
    }
    problems
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}
