//! How long the dashboard takes to serve its pages with 10,000 runs in the schedule history:
//! the median and p99 of each page over fresh HTTP connections, next to the database queries
//! the Schedules page makes, timed alone in the same run (the baseline the page adds to).
//! `bash benches/dashboard.sh` starts a throwaway PostgreSQL and runs it; by hand:
//! `cargo run --release -p kisflow-bench --features dashboard --bin dashboard-bench -- --postgres URL`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kisflow::dashboard::Dashboard;
use kisflow::schedule::Coordinator;

const RUNS: i64 = 10_000;
const REQUESTS: usize = 2_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .iter()
        .position(|a| a == "--postgres")
        .and_then(|i| args.get(i + 1))
        .ok_or("give the PostgreSQL to fill: --postgres URL (benches/dashboard.sh starts one)")?
        .clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = Coordinator::connect(&url).await?;
        fill(&url).await?;
        let server = Dashboard::new()
            .with_schedules(&url)
            .with_token("bench")
            .serve("127.0.0.1:0")
            .await?;
        let addr = server.local_addr().to_string();
        let first_run = db.recent("bench", 1).await?[0].run;
        println!("{RUNS} runs in the history; {REQUESTS} requests per page, one connection each");
        println!("| page | median | p99 |");
        println!("|---|---|---|");
        for path in [
            "/schedules".to_owned(),
            format!("/schedules/runs/{first_run}"),
            "/flows".to_owned(),
            "/sources".to_owned(),
            "/audit".to_owned(),
        ] {
            let addr = addr.clone();
            let path2 = path.clone();
            let times = tokio::task::spawn_blocking(move || requests(&addr, &path2)).await??;
            report(&path, times);
        }
        let mut alone = Vec::with_capacity(REQUESTS);
        for _ in 0..REQUESTS {
            let start = Instant::now();
            let listed = db.list().await?;
            for schedule in &listed {
                db.recent(&schedule.name, 120).await?;
            }
            alone.push(start.elapsed());
        }
        report("baseline: the Schedules page's queries alone", alone);
        Ok(())
    })
}

/// `RUNS` runs of the schedule `bench`, one a minute, a failure every 97th, as the history
/// keeps them; what was there before is replaced.
async fn fill(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "DELETE FROM kis_run WHERE schedule = 'bench';
             INSERT INTO kis_schedule (name, next_slot) VALUES ('bench', now() + interval '1 hour')
                 ON CONFLICT (name) DO NOTHING;
             INSERT INTO kis_run (schedule, slot, fired, status, attempt, instance, started_at,
                                  finished_at, rows, error)
             SELECT 'bench', now() - make_interval(mins => n), 'cron',
                    CASE WHEN n % 97 = 0 THEN 'failed' ELSE 'succeeded' END, 1, 'bench',
                    now() - make_interval(mins => n), now() - make_interval(mins => n) + interval '40 ms',
                    100, CASE WHEN n % 97 = 0 THEN 'flow `AvgScores`: row 3: boom' END
             FROM generate_series(1, {RUNS}) AS n;
             ANALYZE kis_run;"
        ))
        .await?;
    Ok(())
}

/// The time of each of `REQUESTS` GETs of `path`, after 50 to warm up.
fn requests(addr: &str, path: &str) -> std::io::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS + 50 {
        let start = Instant::now();
        let mut stream = TcpStream::connect(addr)?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        if !response.starts_with(b"HTTP/1.1 200") {
            return Err(std::io::Error::other(format!(
                "{path}: {}",
                String::from_utf8_lossy(&response[..response.len().min(200)])
            )));
        }
        if i >= 50 {
            times.push(start.elapsed());
        }
    }
    Ok(times)
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index into a few thousand samples"
        )]
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1e3
    };
    println!("| `{what}` | {:.2} ms | {:.2} ms |", at(0.5), at(0.99));
}
