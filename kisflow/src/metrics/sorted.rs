//! The encoded text with each family's series in the order of their labels: prometheus-client
//! keeps a family's series in a hash map, whose order changes from run to run, and a scrape that
//! reads the same from one run to the next is easier to compare, diff and test.

/// `text` (OpenMetrics, as prometheus-client encodes it) with the sample lines of each family
/// sorted by their label sets, other than `le`. The sort is stable, so the lines of one series
/// (a histogram's buckets, then its sum and count) keep their order; comment lines stay put
/// and bound the families.
pub(super) fn sort_series(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut samples: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            flush(&mut samples, &mut out);
            out.push_str(line);
            out.push('\n');
        } else {
            samples.push(line);
        }
    }
    flush(&mut samples, &mut out);
    out
}

fn flush(samples: &mut Vec<&str>, out: &mut String) {
    samples.sort_by_key(|line| series(line));
    for line in samples.drain(..) {
        out.push_str(line);
        out.push('\n');
    }
}

/// What tells the series of a sample line apart within its family: its labels but `le`.
fn series(line: &str) -> String {
    let Some(open) = line.find('{') else {
        return String::new();
    };
    let Some(close) = line[open..].find('}') else {
        return String::new();
    };
    line[open + 1..open + close]
        .split(',')
        .filter(|label| !label.starts_with("le="))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::sort_series;

    #[test]
    fn series_sort_by_labels_and_a_histograms_lines_keep_their_order() {
        let text = "# TYPE f counter\n\
                    f_total{flow_name=\"b\"} 1\n\
                    f_total{flow_name=\"a\"} 2\n\
                    # TYPE d histogram\n\
                    d_sum{flow_name=\"z\"} 1.0\n\
                    d_count{flow_name=\"z\"} 1\n\
                    d_bucket{le=\"5.0\",flow_name=\"z\"} 1\n\
                    d_bucket{le=\"+Inf\",flow_name=\"z\"} 1\n\
                    d_sum{flow_name=\"y\"} 2.0\n\
                    d_bucket{le=\"5.0\",flow_name=\"y\"} 0\n\
                    # EOF\n";
        assert_eq!(
            sort_series(text),
            "# TYPE f counter\n\
             f_total{flow_name=\"a\"} 2\n\
             f_total{flow_name=\"b\"} 1\n\
             # TYPE d histogram\n\
             d_sum{flow_name=\"y\"} 2.0\n\
             d_bucket{le=\"5.0\",flow_name=\"y\"} 0\n\
             d_sum{flow_name=\"z\"} 1.0\n\
             d_count{flow_name=\"z\"} 1\n\
             d_bucket{le=\"5.0\",flow_name=\"z\"} 1\n\
             d_bucket{le=\"+Inf\",flow_name=\"z\"} 1\n\
             # EOF\n"
        );
    }
}
