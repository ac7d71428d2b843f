//! `run --follow` and `run --bad-rows skip`: JSON lines through the source runner, in batches as
//! they arrive, each batch's output printed once it has run. Memory is bounded by the batch.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::{BoxFuture, Either, select};

use super::commands::text;
use crate::error::Result as KisResult;
use crate::flow::DynFlow;
use crate::source::{
    DeadLetter, DeadLetterSink, JsonLinesDeadLetters, Runner, RunnerConfig, StreamSource,
};

pub(super) struct Options {
    pub(super) input: Option<PathBuf>,
    pub(super) follow: bool,
    pub(super) batch: usize,
    /// Where skipped rows go; `None` stops at the first bad row.
    pub(super) dead_letters: Option<PathBuf>,
}

pub(super) fn run(
    flow: Box<dyn DynFlow>,
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), String> {
    let read_error = Arc::new(Mutex::new(None));
    let (label, lines) = lines(
        options.input.as_ref(),
        options.batch,
        Arc::clone(&read_error),
    )?;
    let first_bad = Arc::new(FirstBadRow::default());
    let config = RunnerConfig {
        batch_size: options.batch,
        // Without --follow the whole input is one batch, as before.
        batch_wait: if options.follow {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(365 * 24 * 3600)
        },
        attempts: 1,
        ..RunnerConfig::default()
    };
    let (rows_tx, mut rows_rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(StreamSource::keyed(label.clone(), lines), flow)
        .with_config(config)
        .with_output(move |rows| {
            let _ = rows_tx.send(rows);
        });
    let runner = match &options.dead_letters {
        Some(path) => runner.with_dead_letters(JsonLinesDeadLetters::create(path).map_err(text)?),
        None => runner.with_dead_letters(Arc::clone(&first_bad)),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the async runtime: {err}"))?;
    let stop = {
        let first_bad = Arc::clone(&first_bad);
        async move { first_bad.found.notified().await }
    };
    let report = runtime.block_on(async {
        let mut run = std::pin::pin!(runner.run_until(stop));
        loop {
            let next = match select(Box::pin(rows_rx.recv()), run.as_mut()).await {
                Either::Left((rows, _)) => Either::Left(rows),
                Either::Right((report, _)) => Either::Right(report),
            };
            match next {
                Either::Left(Some(rows)) => print(&rows, out)?,
                Either::Left(None) => {}
                Either::Right(report) => {
                    while let Ok(rows) = rows_rx.try_recv() {
                        print(&rows, out)?;
                    }
                    return Ok::<_, String>(report);
                }
            }
        }
    })?;
    let report = report.map_err(|err| err.chain())?;
    if let Some(problem) = read_error
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
    {
        return Err(format!("{problem}; the rows before it ran"));
    }
    if let Some(letter) = first_bad.letter() {
        return Err(format!(
            "{label}:{}: {}; the batches before it ran, nothing after it",
            letter.message_id, letter.error
        ));
    }
    if let Some(path) = &options.dead_letters
        && report.dead_lettered > 0
    {
        writeln!(
            err,
            "{} rows skipped, written with their errors to {}",
            report.dead_lettered,
            path.display()
        )
        .map_err(text)?;
    }
    Ok(())
}

fn print(rows: &[serde_json::Value], out: &mut dyn Write) -> Result<(), String> {
    for row in rows {
        writeln!(out, "{row}").map_err(text)?;
    }
    out.flush().map_err(text)
}

/// The input's label and its non-blank lines, numbered as the user sees them, read on a thread
/// of their own into a channel that holds at most two batches: the back-pressure on the input.
fn lines(
    input: Option<&PathBuf>,
    batch: usize,
    read_error: Arc<Mutex<Option<String>>>,
) -> Result<
    (
        String,
        impl futures::Stream<Item = (u64, String)> + Send + 'static,
    ),
    String,
> {
    let (label, reader): (String, Box<dyn BufRead + Send>) = match input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
            (
                path.display().to_string(),
                Box::new(std::io::BufReader::new(file)),
            )
        }
        None => (
            "<stdin>".to_owned(),
            Box::new(std::io::BufReader::new(std::io::stdin())),
        ),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(batch.saturating_mul(2).max(1));
    let shown = label.clone();
    std::thread::spawn(move || {
        for (index, line) in reader.lines().enumerate() {
            match line {
                Ok(line) if line.trim().is_empty() => {}
                Ok(line) => {
                    if tx.blocking_send((index as u64 + 1, line)).is_err() {
                        return; // the run ended
                    }
                }
                Err(err) => {
                    let problem = format!("cannot read {shown} at line {}: {err}", index + 1);
                    *read_error.lock().unwrap_or_else(PoisonError::into_inner) = Some(problem);
                    return;
                }
            }
        }
    });
    Ok((label, futures::stream::poll_fn(move |cx| rx.poll_recv(cx))))
}

/// The dead-letter "sink" of `--bad-rows stop`: keeps the first bad row and stops the run.
#[derive(Default)]
struct FirstBadRow {
    letter: Mutex<Option<DeadLetter>>,
    found: tokio::sync::Notify,
}

impl FirstBadRow {
    fn letter(&self) -> Option<DeadLetter> {
        self.letter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl DeadLetterSink for Arc<FirstBadRow> {
    fn send<'a>(&'a self, letters: &'a [DeadLetter]) -> BoxFuture<'a, KisResult<()>> {
        let mut first = self.letter.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = letters.first().cloned();
        }
        self.found.notify_one();
        Box::pin(async { Ok(()) })
    }
}
