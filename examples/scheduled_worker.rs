//! A scheduled worker: runs the schedule `tick` at every second, once per second across every
//! instance started against the same PostgreSQL, until SIGTERM or SIGINT (exit 0). Its flow
//! records the slot it ran for in the table `scheduled_worker_ticks`. The other commands read
//! and steer the schedules through the same database.
//!
//! ```sh
//! cargo run --release -p kisflow-examples --example scheduled_worker -- \
//!     --postgres "host=127.0.0.1 user=postgres" --instance w1
//! cargo run --release -p kisflow-examples --example scheduled_worker -- \
//!     --postgres "host=127.0.0.1 user=postgres" history --json
//! ```
//!
//! Commands after `--postgres URL`:
//!
//! - `--instance NAME [--misfire skip|fire_once|backfill(N)] [--fail-slot UNIX_SECONDS]
//!   [--grace-ms MS] [--timeout-ms MS] [--sleep-ms MS] [--clock-offset-ms MS]`: run `tick`
//!   (a run that takes longer than the timeout, default 60 s, is timed out and tried once more;
//!   `--sleep-ms` makes each run take that long, for tests of timeouts and take-overs). A slot noticed more than the grace
//!   (default 2 s) after it passed counts as missed, and the misfire policy (default `skip`)
//!   decides. `--fail-slot` makes the run of that one slot fail
//!   (its handler returns an error), for tests of failure history. `--clock-offset-ms`, or the
//!   environment variable `KISFLOW_CLOCK_OFFSET_MS` when the flag is absent, shifts this
//!   instance's clock: a test hook to show that slots run once whatever the clocks say.
//! - `history [--schedule NAME] [--json]`: the run history, oldest slot first; with `--json`
//!   one object per line (`schedule`, `slot`, `instance`, `attempt`, `status`, `started_at`,
//!   `finished_at`, `error`, `run`, `fired`, `rows`).
//! - `list`, `pause NAME`, `resume NAME`, `trigger NAME`.
//!
//! A bad argument prints the usage and exits 2; an error exits 1.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::schedule::{Clock, Coordinator, Firing, HistoryFilter, Misfire, Schedule, Scheduler};
use kisflow::{ConnConfig, Connector};

const USAGE: &str = "usage: scheduled_worker --postgres URL (--instance NAME [--misfire skip|fire_once|backfill(N)] \
[--fail-slot UNIX_SECONDS] [--grace-ms MS] [--timeout-ms MS] [--sleep-ms MS] [--clock-offset-ms MS] | history [--schedule NAME] [--json] | list | pause NAME | resume NAME | trigger NAME)";

const TICKS: &str = "CREATE TABLE IF NOT EXISTS scheduled_worker_ticks (
    slot timestamptz NOT NULL, run bigint NOT NULL, attempt integer NOT NULL,
    instance text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())";

/// Records the slot, fenced: the insert happens only while this attempt still owns its run, so
/// an instance that lost the run to another cannot record it late.
#[kis_function(mode = "Save", name = "RecordSlot", conn = "Ticks")]
async fn record_slot(ctx: &FlowCtx, rows: Vec<Firing>) -> kisflow::Result<()> {
    let fail: Option<i64> = ctx.param("fail_slot").and_then(|s| s.parse().ok());
    let sleep: u64 = ctx
        .param("sleep_ms")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let store = ctx.connector()?.client::<TickStore>()?;
    let db = store
        .client()
        .await
        .map_err(|err| kisflow::Error::unavailable("Ticks", err))?;
    for f in rows {
        tokio::time::sleep(Duration::from_millis(sleep)).await;
        if fail == Some(f.slot.timestamp()) {
            return Err(kisflow::Error::msg(format!(
                "slot {} was told to fail (--fail-slot)",
                f.slot.timestamp()
            )));
        }
        db.execute(
            "INSERT INTO scheduled_worker_ticks (slot, run, attempt, instance)
             SELECT $1, $2, $3, $4 WHERE EXISTS (
                 SELECT 1 FROM kis_run WHERE id = $2 AND attempt = $3 AND status = 'running')",
            &[&f.slot, &f.run, &f.attempt, &f.instance],
        )
        .await
        .map_err(|err| kisflow::Error::unavailable("Ticks", err))?;
    }
    Ok(())
}

flow!(Tick: record_slot);

/// The connection the flow records through, made again when PostgreSQL restarted.
struct TickStore {
    url: String,
    client: std::sync::Mutex<Option<Arc<tokio_postgres::Client>>>,
}

impl TickStore {
    async fn client(&self) -> Result<Arc<tokio_postgres::Client>, tokio_postgres::Error> {
        let held = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(client) = held.filter(|c| !c.is_closed()) {
            return Ok(client);
        }
        let (client, connection) =
            tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        // Instances starting together may race to create the table; the loser tries again.
        if client.batch_execute(TICKS).await.is_err() {
            client.batch_execute(TICKS).await?;
        }
        let client = Arc::new(client);
        *self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(client.clone());
        Ok(client)
    }
}

/// `--instance NAME` and the knobs of `tick`.
struct Work {
    instance: String,
    misfire: Misfire,
    grace: Duration,
    timeout: Duration,
    fail_slot: Option<i64>,
    sleep_ms: u64,
    clock: Clock,
}

enum Command {
    Work(Work),
    History {
        schedule: Option<String>,
        json: bool,
    },
    List,
    Pause(String),
    Resume(String),
    Trigger(String),
}

fn parse(args: &[String]) -> Result<(String, Command), String> {
    let mut args = args.iter().map(String::as_str);
    let postgres = match (args.next(), args.next()) {
        (Some("--postgres"), Some(url)) => url.to_owned(),
        _ => return Err("the first argument must be `--postgres URL`".to_owned()),
    };
    let rest: Vec<&str> = args.collect();
    let name = |rest: &[&str]| match rest {
        [name] => Ok((*name).to_owned()),
        _ => Err("give exactly one schedule name".to_owned()),
    };
    let command = match rest.split_first() {
        Some((&"history", opts)) => {
            let (mut schedule, mut json) = (None, false);
            let mut opts = opts.iter();
            while let Some(opt) = opts.next() {
                match *opt {
                    "--json" => json = true,
                    "--schedule" => {
                        schedule =
                            Some(opts.next().ok_or("`--schedule` needs a name")?.to_string());
                    }
                    other => return Err(format!("unknown option `{other}` of `history`")),
                }
            }
            Command::History { schedule, json }
        }
        Some((&"list", [])) => Command::List,
        Some((&"pause", n)) => Command::Pause(name(n)?),
        Some((&"resume", n)) => Command::Resume(name(n)?),
        Some((&"trigger", n)) => Command::Trigger(name(n)?),
        _ => parse_work(&rest)?,
    };
    Ok((postgres, command))
}

fn parse_work(opts: &[&str]) -> Result<Command, String> {
    let mut work = Work {
        instance: String::new(),
        misfire: Misfire::Skip,
        grace: Duration::from_secs(2),
        timeout: Duration::from_secs(60),
        fail_slot: None,
        sleep_ms: 0,
        clock: Clock::from_env().map_err(|err| err.to_string())?,
    };
    let mut opts = opts.iter();
    while let Some(opt) = opts.next() {
        if !opt.starts_with("--") {
            return Err(format!("unknown command `{opt}`"));
        }
        let value = opts
            .next()
            .ok_or_else(|| format!("`{opt}` needs a value"))?;
        let number = |what: &str| {
            value
                .parse::<i64>()
                .map_err(|_| format!("`{opt} {value}` is not {what}"))
        };
        let millis = |what| {
            number(what).and_then(|n| u64::try_from(n).map_err(|_| format!("`{opt}` is negative")))
        };
        match *opt {
            "--instance" => (*value).clone_into(&mut work.instance),
            "--misfire" => work.misfire = value.parse()?,
            "--fail-slot" => work.fail_slot = Some(number("unix seconds")?),
            "--grace-ms" => work.grace = Duration::from_millis(millis("milliseconds")?),
            "--timeout-ms" => work.timeout = Duration::from_millis(millis("milliseconds")?),
            "--sleep-ms" => work.sleep_ms = millis("milliseconds")?,
            "--clock-offset-ms" => work.clock = Clock::offset_ms(number("milliseconds")?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if work.instance.is_empty() {
        return Err("missing `--instance NAME` (or a command)".to_owned());
    }
    Ok(Command::Work(work))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (postgres, command) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(problem) => {
            eprintln!("error: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match run(&postgres, command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.chain());
            ExitCode::FAILURE
        }
    }
}

async fn run(postgres: &str, command: Command) -> kisflow::Result<()> {
    let db = || Coordinator::connect(postgres);
    match command {
        Command::Work(knobs) => work(postgres, knobs).await,
        Command::History { schedule, json } => {
            for run in db().await?.history(&HistoryFilter { schedule }).await? {
                println!(
                    "{}",
                    if json {
                        run.to_json_line()
                    } else {
                        run.to_text_line()
                    }
                );
            }
            Ok(())
        }
        Command::List => {
            for s in db().await?.list().await? {
                let next = s
                    .next_slot
                    .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339());
                println!(
                    "{}  {}  next slot {next}",
                    s.name,
                    if s.paused { "paused" } else { "active" }
                );
            }
            Ok(())
        }
        Command::Pause(name) => db().await?.pause(&name).await,
        Command::Resume(name) => db().await?.resume(&name).await,
        Command::Trigger(name) => {
            println!("run {}", db().await?.trigger(&name).await?);
            Ok(())
        }
    }
}

async fn work(postgres: &str, work: Work) -> kisflow::Result<()> {
    let url = postgres.to_owned();
    let ticks = Connector::new(ConnConfig::new("Ticks"), move |_| {
        let store = TickStore {
            url: url.clone(),
            client: std::sync::Mutex::new(None),
        };
        async move { Ok(store) }
    });
    let mut params = std::collections::BTreeMap::new();
    if let Some(slot) = work.fail_slot {
        params.insert("fail_slot".to_owned(), slot.to_string());
    }
    params.insert("sleep_ms".to_owned(), work.sleep_ms.to_string());
    let settings = kisflow::FlowSettings {
        stages: vec![kisflow::StageSettings {
            flow_params: params,
            ..kisflow::StageSettings::default()
        }],
        ..kisflow::FlowSettings::default()
    };
    let make = Arc::new(move || {
        let flow = Tick::new()
            .with_connector(&ticks)?
            .with_settings(&settings)?;
        Ok(flow.into_dyn())
    });
    let (instance, misfire) = (work.instance, work.misfire);
    let tick = Schedule::new("tick", "* * * * * *", "Tick")?
        .misfire(misfire)
        .grace(work.grace)
        .timeout(work.timeout)
        .flow_from(move || make());
    eprintln!("instance {instance}: running schedule `tick` (misfire {misfire})");
    Scheduler::new(postgres, &instance)
        .schedule(tick)
        .clock(work.clock)
        .run_until(kisflow_examples::stop_signal())
        .await?;
    eprintln!("stopped");
    Ok(())
}
