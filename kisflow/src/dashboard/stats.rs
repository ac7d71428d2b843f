//! Each function's rows in and out, errors and p99 duration, read from the metrics registry's
//! OpenMetrics text: the series every `/metrics` scrape sees, so the dashboard and Prometheus
//! never disagree.

use std::collections::HashMap;

/// What one function has done since the process started.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct FunctionStats {
    pub(super) rows_in: u64,
    pub(super) rows_out: u64,
    pub(super) errors: u64,
    /// The upper bound, in milliseconds, of the bucket that holds the 99th percentile call;
    /// `None` before the first call.
    pub(super) p99_ms: Option<f64>,
}

/// The stats of every function that has run, by name.
pub(super) fn functions(text: &str) -> HashMap<String, FunctionStats> {
    let mut stats: HashMap<String, FunctionStats> = HashMap::new();
    // Cumulative bucket counts and the call count, per function.
    let mut buckets: HashMap<String, Vec<(f64, u64)>> = HashMap::new();
    let mut calls: HashMap<String, u64> = HashMap::new();
    for line in text.lines() {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Some((name, labels)) = series.split_once('{') else {
            continue;
        };
        let Some(function) = label(labels, "func_name") else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "counters are whole and not negative"
        )]
        let count = value as u64;
        let entry = stats.entry(function.clone()).or_default();
        match name {
            "func_rows_in_total" => entry.rows_in = count,
            "func_rows_out_total" => entry.rows_out = count,
            "func_errors_total" => entry.errors = count,
            "func_run_duration_count" => {
                calls.insert(function, count);
            }
            "func_run_duration_bucket" => {
                let le = label(labels, "le").and_then(|le| le.parse::<f64>().ok());
                if let Some(le) = le {
                    buckets.entry(function).or_default().push((le, count));
                }
            }
            _ => {}
        }
    }
    for (function, mut bounds) in buckets {
        let total = calls.get(&function).copied().unwrap_or(0);
        if total == 0 {
            continue;
        }
        bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The smallest bound whose cumulative count reaches 99 % of the calls.
        let wanted = total - total / 100;
        let p99 = bounds
            .iter()
            .find(|(_, seen)| *seen >= wanted)
            .map(|(le, _)| *le);
        if let Some(entry) = stats.get_mut(&function) {
            entry.p99_ms = p99;
        }
    }
    stats
}

/// The value of label `key` in `a="1",b="2"}`.
fn label(labels: &str, key: &str) -> Option<String> {
    let start = labels.find(&format!("{key}=\""))? + key.len() + 2;
    let rest = &labels[start..];
    let end = rest.find('"')?;
    Some(rest[..end].to_owned())
}

/// A p99 for people: `≤ 5 ms`, `> 30000 ms` for the last bucket, `–` before any call.
pub(super) fn p99_text(p99: Option<f64>) -> String {
    match p99 {
        None => "–".to_owned(),
        Some(ms) if ms.is_infinite() => "> 30 s".to_owned(),
        Some(ms) => format!("≤ {ms} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    #[kis_function(mode = "Calculate")]
    fn dashboard_stats_double(rows: Vec<i64>) -> Vec<i64> {
        rows.into_iter().flat_map(|n| [n, n]).collect()
    }
    flow!(DashboardStatsFlow: dashboard_stats_double);

    #[test]
    fn reads_the_series_of_a_real_registry() {
        let metrics = crate::Metrics::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut flow = DashboardStatsFlow::new().with_metrics(&metrics);
            flow.commit_batch([1, 2, 3]).unwrap();
            flow.run().await.unwrap();
        });
        let stats = functions(&metrics.encode());
        let got = &stats["dashboard_stats_double"];
        assert_eq!((got.rows_in, got.rows_out, got.errors), (3, 6, 0));
        assert!(got.p99_ms.is_some_and(|ms| ms > 0.0), "{got:?}");
    }

    #[test]
    fn the_p99_is_the_bucket_that_reaches_99_percent() {
        let text = "func_run_duration_bucket{func_mode=\"Verify\",func_name=\"f\",le=\"1.0\"} 98\n\
                    func_run_duration_bucket{func_mode=\"Verify\",func_name=\"f\",le=\"5.0\"} 99\n\
                    func_run_duration_bucket{func_mode=\"Verify\",func_name=\"f\",le=\"+Inf\"} 100\n\
                    func_run_duration_count{func_mode=\"Verify\",func_name=\"f\"} 100\n";
        assert_eq!(functions(text)["f"].p99_ms, Some(5.0));
        assert_eq!(p99_text(Some(5.0)), "≤ 5 ms");
        assert_eq!(p99_text(None), "–");
    }
}
