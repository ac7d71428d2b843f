//! `--one-side kisflow|floor|fill`: one throughput round of one side alone, or only the fill, for
//! counting the client's own work under callgrind. The broker runs in its own process, so
//! callgrind counts only this one's instructions; a side's cost per message is its count less the
//! `fill` count, over `--messages`:
//!
//! ```sh
//! for side in fill kisflow floor; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$side \
//!     target/release/stream-bench --only nats --one-side $side --messages 20000
//! done
//! ```
//!
//! Wall time says how fast the pair runs on a shared machine; this says how much work the client
//! does for each message, which does not move with the machine's load.
//! `benches/stream_instructions.sh` runs every side with two message counts, so that start-up and
//! connecting cancel out as well.

use kisflow_bench::{json_rows, rows};

use crate::{Args, Broker, Side, throughput};

pub(crate) async fn run(broker: Broker, addr: &str, which: &str, args: &Args) {
    let side = match which {
        "kisflow" => Some(Side::Kisflow),
        "floor" => Some(Side::Floor),
        "fill" => None,
        other => panic!("--one-side takes kisflow, floor or fill, not `{other}`"),
    };
    let json = json_rows(&rows(args.messages, 0));
    let rate = throughput(broker, addr, side, 0, &json, (args.batch, args.wait)).await;
    println!("{broker:<15} one side {which:<8} {rate:>10.0} msg/s");
}
