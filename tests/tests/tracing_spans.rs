//! Spans: one per flow run and one per function call, with the fields the docs promise; the debug
//! mode logs each layer's rows; an error is logged once, where it ends the run.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kisflow::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A closed span or an event: its name (or message) and fields.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    kind: &'static str,
    name: String,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

/// Records spans when they close and events when they happen.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        ctx.span(id).unwrap().extensions_mut().insert(fields);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut extensions = span.extensions_mut();
        values.record(extensions.get_mut::<Fields>().unwrap());
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let name = fields.0.remove("message").unwrap_or_default();
        let kind = if *event.metadata().level() == Level::ERROR {
            "error"
        } else {
            "event"
        };
        self.0.lock().unwrap().push(Seen {
            kind,
            name,
            fields: fields.0,
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let fields = span.extensions_mut().remove::<Fields>().unwrap().0;
        self.0.lock().unwrap().push(Seen {
            kind: "span",
            name: span.name().to_owned(),
            fields,
        });
    }
}

#[derive(Debug)]
struct Score(i64);

#[kis_function(mode = "Verify", name = "Positive")]
fn positive(rows: Vec<Score>) -> kisflow::Result<Vec<Score>> {
    if rows.iter().any(|s| s.0 == 0) {
        return Err(kisflow::Error::msg("zero score"));
    }
    Ok(rows.into_iter().filter(|s| s.0 > 0).collect())
}

#[kis_function(mode = "Expand", name = "Sink")]
fn sink(_rows: Vec<Score>) {}

flow!(Traced: positive -> sink);

/// Runs `work` on a current-thread runtime with the recorder installed for this thread only.
fn record(level: Level, work: impl AsyncFnOnce()) -> Vec<Seen> {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry()
        .with(recorder.clone())
        .with(tracing_subscriber::filter::LevelFilter::from_level(level));
    tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(work());
    });
    Arc::try_unwrap(recorder.0)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap()
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn each_run_and_each_function_call_has_a_span_with_its_fields() {
    let mut id = String::new();
    let seen = record(Level::INFO, async || {
        let mut flow = Traced::new();
        id = flow.id().to_owned();
        flow.commit_batch([Score(3), Score(-1)]).unwrap();
        flow.run().await.unwrap();
    });
    let spans: Vec<_> = seen.iter().filter(|s| s.kind == "span").cloned().collect();
    let function = |name: &str, mode: &str, rows_in: &str, rows_out: &str, outcome: &str| Seen {
        kind: "span",
        name: "kisflow_function".into(),
        fields: fields(&[
            ("function", name),
            ("mode", mode),
            ("rows_in", rows_in),
            ("rows_out", rows_out),
            ("outcome", outcome),
        ]),
    };
    assert_eq!(
        spans,
        vec![
            function("Positive", "Verify", "2", "1", "ok"),
            function("Sink", "Expand", "1", "0", "empty"),
            Seen {
                kind: "span",
                name: "kisflow_run".into(),
                fields: fields(&[
                    ("flow", "Traced"),
                    ("flow_id", &id),
                    ("rows", "2"),
                    ("outcome", "ok")
                ]),
            },
        ]
    );
    assert!(
        seen.iter().all(|s| s.kind == "span"),
        "no events at info level on success: {seen:?}"
    );
}

#[test]
fn a_failing_run_logs_its_error_once() {
    let seen = record(Level::INFO, async || {
        let mut flow = Traced::new();
        flow.commit(Score(0)).unwrap();
        assert!(flow.run().await.is_err());
    });
    let errors: Vec<_> = seen.iter().filter(|s| s.kind == "error").collect();
    assert_eq!(errors.len(), 1, "{seen:?}");
    assert_eq!(errors[0].name, "flow run failed");
    assert_eq!(
        errors[0].fields["error"],
        "flow `Traced`: function `Positive` failed: zero score"
    );
    let outcomes: Vec<_> = seen
        .iter()
        .filter(|s| s.kind == "span")
        .map(|s| s.fields["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["error", "error"]);
}

#[test]
fn debug_mode_logs_the_rows_of_each_layer() {
    let seen = record(Level::DEBUG, async || {
        let mut flow = Traced::new();
        flow.commit_batch([Score(3), Score(-1)]).unwrap();
        flow.run().await.unwrap();
    });
    let rows: Vec<(&str, &str)> = seen
        .iter()
        .filter(|s| s.kind == "event")
        .map(|s| (s.name.as_str(), s.fields["rows"].as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("source rows", "[Score(3), Score(-1)]"),
            ("rows emitted", "[Score(3)]"),
            ("rows emitted", "[]")
        ]
    );
}

#[test]
fn nothing_is_logged_at_debug_level_by_default() {
    let seen = record(Level::INFO, async || {
        let mut flow = Traced::new();
        flow.commit(Score(1)).unwrap();
        flow.run().await.unwrap();
    });
    assert!(seen.iter().all(|s| s.kind == "span"), "{seen:?}");
}

#[kis_function(mode = "Calculate", name = "Tens")]
fn tens(rows: Vec<i64>) -> Vec<i64> {
    rows.into_iter().map(|n| n * 10).collect()
}

#[kis_function(mode = "Expand", name = "KeepTens")]
fn keep_tens(_rows: Vec<i64>) {}

#[kis_function(mode = "Expand", name = "KeepOnes")]
fn keep_ones(_rows: Vec<i64>) {}

flow!(TracedBranches: tens -> [tens -> keep_tens, keep_ones]);

#[test]
fn each_branch_has_a_span_around_its_functions_spans() {
    let seen = record(Level::INFO, async || {
        let mut flow = TracedBranches::new();
        flow.commit_batch([1, 2]).unwrap();
        flow.run().await.unwrap();
    });
    // Spans as they close: a function's before its branch's, and the run's last.
    let spans: Vec<(String, String)> = seen
        .iter()
        .filter(|s| s.kind == "span")
        .map(|s| {
            let detail = match s.name.as_str() {
                "kisflow_function" => {
                    format!("{} in {}", s.fields["function"], s.fields["rows_in"])
                }
                "kisflow_branch" => format!("{} from {}", s.fields["branch"], s.fields["first"]),
                _ => s.fields["flow"].clone(),
            };
            (s.name.clone(), detail)
        })
        .collect();
    let span = |name: &str, detail: &str| (name.to_owned(), detail.to_owned());
    assert_eq!(
        spans,
        [
            span("kisflow_function", "Tens in 2"),
            span("kisflow_function", "Tens in 2"),
            span("kisflow_function", "KeepTens in 2"),
            span("kisflow_branch", "1 from Tens"),
            span("kisflow_function", "KeepOnes in 2"),
            span("kisflow_branch", "2 from KeepOnes"),
            span("kisflow_run", "TracedBranches"),
        ]
    );
}
