//! Go KisFlow's known bugs (reference section 16) and probes (section 14), each with what kisflow
//! does instead. Handlers record what they see in the flow instance's metadata (`seen`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kisflow::prelude::*;
use kisflow::{Action, ConnConfig, Connector, Error, MemoryKv};

/// Records `rows` as seen by the running function: `name:[rows]`.
fn see(ctx: &FlowCtx, rows: &[u32]) {
    let line = format!("{}:{rows:?}", ctx.function_name());
    ctx.flow_metadata()
        .update("seen", |seen: Option<Vec<String>>| {
            let mut seen = seen.unwrap_or_default();
            seen.push(line);
            seen
        })
        .unwrap();
}

fn seen<S: kisflow::FlowSpec>(flow: &Flow<S>) -> Vec<String> {
    flow.metadata()
        .get::<Vec<String>>("seen")
        .unwrap()
        .unwrap_or_default()
}

/// Emits `rows + 10` and takes the action its param `action` names.
#[kis_function(mode = "Calculate", actions(data_reuse, jump))]
fn act(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
    see(ctx, &rows);
    let emitted: Vec<u32> = match ctx.param("emit") {
        Some("none") => Vec::new(),
        _ => rows.iter().map(|n| n + 10).collect(),
    };
    match ctx.param("action") {
        Some("force") => ctx.force_entry_next(),
        Some("reuse") => ctx.data_reuse()?,
        Some("reuse+force") => ctx.next(Action::DATA_REUSE | Action::FORCE_ENTRY_NEXT)?,
        Some("abort+jump") => ctx.next(Action::ABORT | Action::jump_func("last"))?,
        Some("abort-then-none") => {
            ctx.abort();
            ctx.next(Action::NONE)?;
        }
        Some("jump") => ctx.jump_func(ctx.param("to").unwrap())?,
        Some("abort-then-fail") if rows.contains(&0) => {
            ctx.abort();
            return Err(Error::msg("zero is not allowed"));
        }
        _ => {}
    }
    Ok(emitted)
}

#[kis_function(mode = "Calculate")]
fn plain(ctx: &FlowCtx, rows: Vec<u32>) -> Vec<u32> {
    see(ctx, &rows);
    rows
}

#[kis_function(mode = "Expand")]
fn last(ctx: &FlowCtx, rows: Vec<u32>) {
    see(ctx, &rows);
}

/// Bug 1 (3.2): ForceEntryNext threw away the rows just emitted; the next function gets them.
#[tokio::test]
async fn force_entry_next_keeps_the_emitted_rows() -> kisflow::Result<()> {
    flow!(Force: act(action = "force") -> last);
    let mut flow = Force::new();
    flow.commit_batch([1, 2])?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[1, 2]", "last:[11, 12]"]);
    Ok(())
}

/// E1/E2: ForceEntryNext with nothing emitted runs the next function on nothing.
#[tokio::test]
async fn force_entry_next_without_rows_runs_the_next_function_on_nothing() -> kisflow::Result<()> {
    flow!(ForceEmpty: act(action = "force", emit = "none") -> last);
    let mut flow = ForceEmpty::new();
    flow.commit(1)?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[1]", "last:[]"]);
    Ok(())
}

/// E27: DataReuse with ForceEntryNext handed on nothing in Go; the reused input goes on.
#[tokio::test]
async fn data_reuse_with_force_entry_next_hands_the_input_on() -> kisflow::Result<()> {
    flow!(ReuseForce: act(action = "reuse+force") -> last);
    let mut flow = ReuseForce::new();
    flow.commit_batch([5, 6])?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[5, 6]", "last:[5, 6]"]);
    Ok(())
}

/// E2: DataReuse of an empty input ends the run, as emitting nothing does.
#[tokio::test]
async fn data_reuse_of_nothing_ends_the_run() -> kisflow::Result<()> {
    flow!(ReuseNothing: act(action = "reuse") -> last);
    let mut flow = ReuseNothing::new();
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[]"]);
    Ok(())
}

/// E4: Abort wins over a jump set with it.
#[tokio::test]
async fn abort_wins_over_jump() -> kisflow::Result<()> {
    flow!(AbortJump: act(action = "abort+jump") -> plain -> last);
    let mut flow = AbortJump::new();
    flow.commit(1)?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[1]"]);
    Ok(())
}

/// E33: the last action set in a call wins: Abort then NONE does not abort.
#[tokio::test]
async fn the_last_action_set_wins() -> kisflow::Result<()> {
    flow!(LastWins: act(action = "abort-then-none") -> last);
    let mut flow = LastWins::new();
    flow.commit(1)?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[1]", "last:[11]"]);
    Ok(())
}

/// Bug 3 (3.4): a forward jump failed with "not in flow.data". It runs the target on its own input
/// of this run: nothing, since the function before it did not run.
#[tokio::test]
async fn a_forward_jump_skips_to_the_target() -> kisflow::Result<()> {
    flow!(Forward: act(action = "jump", to = "last") -> plain -> last);
    let mut flow = Forward::new();
    flow.commit(1)?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[1]", "last:[]"]);
    Ok(())
}

/// E5: a jump to the very next function hands it the rows just emitted.
#[tokio::test]
async fn a_jump_to_the_next_function_hands_it_the_rows() -> kisflow::Result<()> {
    flow!(JumpNext: act(action = "jump", to = "last") -> last);
    let mut flow = JumpNext::new();
    flow.commit(1)?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[1]", "last:[11]"]);
    Ok(())
}

/// E5: a jump to a name the flow does not have is refused where the handler asks, naming the
/// flow's functions.
#[tokio::test]
async fn a_jump_to_an_unknown_function_is_an_error() -> kisflow::Result<()> {
    flow!(JumpNowhere: act(action = "jump", to = "nope") -> last);
    let mut flow = JumpNowhere::new();
    flow.commit(1)?;
    let err = flow.run().await.unwrap_err();
    assert_eq!(
        format!("{err:?}"),
        "flow `JumpNowhere`: function `act` failed\n\nCaused by:\n    flow `JumpNowhere`: function \
         `act` jumps to \"nope\", which is not a function of this flow; its functions are act -> last"
    );
    Ok(())
}

/// Go jumped to the last-added of two same-named functions; we refuse the ambiguous name.
#[tokio::test]
async fn a_jump_to_a_name_used_twice_is_an_error() -> kisflow::Result<()> {
    flow!(Twice: plain -> act(action = "jump", to = "plain") -> plain -> last);
    let mut flow = Twice::new();
    flow.commit(1)?;
    let err = flow.run().await.unwrap_err();
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert_eq!(
        cause,
        "flow `Twice`: function `act` jumps to \"plain\", which names more than one function of \
         this flow (positions 1 and 3); a jump needs a name that appears once"
    );
    Ok(())
}

/// Declaring is required: DataReuse from a function without `actions(data_reuse)` is refused.
#[tokio::test]
async fn an_undeclared_data_reuse_is_refused() -> kisflow::Result<()> {
    #[kis_function(mode = "Verify")]
    fn sneaky(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
        ctx.data_reuse()?;
        Ok(rows)
    }
    flow!(Sneaky: sneaky -> last);
    let mut flow = Sneaky::new();
    flow.commit(1)?;
    let err = flow.run().await.unwrap_err();
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert_eq!(
        cause,
        "flow `Sneaky`: function `sneaky` cannot reuse its input without declaring it: add \
         `actions(data_reuse)` to its #[kis_function], which checks that its input and output row \
         types match"
    );
    Ok(())
}

/// Bug 2 (2.6, E7/E34): a failed call left its rows and its action to the next run. Here the
/// failed run leaves nothing: the next run starts from its own rows and is not aborted.
#[tokio::test]
async fn a_failed_call_leaves_no_rows_and_no_action() -> kisflow::Result<()> {
    flow!(FailOnce: act(action = "abort-then-fail") -> last);
    let mut flow = FailOnce::new();
    flow.commit_batch([0, 1])?;
    assert!(flow.run().await.is_err());
    assert_eq!(flow.committed(), 0);
    flow.commit(2)?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["act:[0, 1]", "act:[2]", "last:[12]"]);
    Ok(())
}

/// Bug 3 (3.4): a backward jump looped for ever; a step limit ends it and names the loop.
#[tokio::test]
async fn a_jump_loop_ends_at_the_step_limit() -> kisflow::Result<()> {
    flow!(Loop: plain -> act(action = "jump", to = "plain") -> last);
    let flow = Loop::new();
    assert_eq!(flow.step_limit(), kisflow::DEFAULT_STEP_LIMIT);
    let mut flow = flow.with_step_limit(5);
    flow.commit(1)?;
    let Err(Error::StepLimit { limit, cycle, .. }) = flow.run().await else {
        panic!("the loop must hit the step limit");
    };
    assert_eq!((limit, cycle.as_str()), (5, "plain -> act -> plain"));
    assert_eq!(
        seen(&flow),
        ["plain:[1]", "act:[1]", "plain:[1]", "act:[1]", "plain:[1]"]
    );
    Ok(())
}

/// E22: one function twice in a flow, with different params; the second reads the first's rows.
#[tokio::test]
async fn one_function_twice_with_different_params() -> kisflow::Result<()> {
    #[kis_function(mode = "Calculate", params(a = "default", b = "default"))]
    fn tagged(ctx: &FlowCtx, rows: Vec<u32>) -> Vec<u32> {
        let params: Vec<String> = ctx.params().map(|(k, v)| format!("{k}={v}")).collect();
        ctx.flow_metadata()
            .update("params", |all: Option<Vec<String>>| {
                let mut all = all.unwrap_or_default();
                all.push(params.join(","));
                all
            })
            .unwrap();
        see(ctx, &rows);
        rows.iter().map(|n| n * 2).collect()
    }
    flow!(Tagged: tagged(a = "flow1") -> tagged(c = "flow2") -> last);
    let mut flow = Tagged::new();
    flow.commit(1)?;
    flow.run().await?;
    let params = flow.metadata().get::<Vec<String>>("params")?.unwrap();
    assert_eq!(params, ["a=flow1,b=default", "c=flow2,a=default,b=default"]);
    assert_eq!(seen(&flow), ["tagged:[1]", "tagged:[2]", "last:[4]"]);
    Ok(())
}

/// E19 and usage example 4: function metadata is kept across runs of one instance.
#[tokio::test]
async fn function_metadata_counts_runs() -> kisflow::Result<()> {
    #[kis_function(mode = "Calculate")]
    fn counter(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
        let n = ctx
            .metadata()
            .update("runs", |n: Option<u32>| n.unwrap_or(0) + 1)?;
        ctx.flow_metadata()
            .update("counts", |all: Option<Vec<u32>>| {
                let mut all = all.unwrap_or_default();
                all.push(n);
                all
            })?;
        Ok(rows)
    }
    flow!(Counting: counter -> last);
    let mut flow = Counting::new();
    for _ in 0..3 {
        flow.run().await?;
    }
    assert_eq!(
        flow.metadata().get::<Vec<u32>>("counts")?,
        Some(vec![1, 2, 3])
    );
    assert_eq!(
        flow.function_ctx(0)
            .unwrap()
            .metadata()
            .get::<u32>("runs")?,
        Some(3)
    );
    // A fork starts afresh (Go: fork metadata nil).
    let fork = flow.fork();
    assert_eq!(
        fork.function_ctx(0)
            .unwrap()
            .metadata()
            .get::<u32>("runs")?,
        None
    );
    assert_eq!(fork.metadata().get::<Vec<u32>>("counts")?, None);
    Ok(())
}

/// E13: cache entries expire after their own time-to-live; a fork's cache starts empty; a value
/// asked for as another type is an error naming both types.
#[tokio::test]
async fn the_cache_expires_entries_and_forks_start_empty() -> kisflow::Result<()> {
    flow!(Cached: plain -> last);
    let flow = Cached::new();
    flow.cache().set("perm", 1u32);
    flow.cache()
        .set_with_ttl("short", 2u32, Duration::from_millis(50));
    assert_eq!(
        (
            flow.cache().get::<u32>("perm")?,
            flow.cache().get::<u32>("short")?
        ),
        (Some(1), Some(2))
    );
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(
        (
            flow.cache().get::<u32>("perm")?,
            flow.cache().get::<u32>("short")?
        ),
        (Some(1), None)
    );
    assert_eq!(flow.fork().cache().get::<u32>("perm")?, None);
    let err = flow.cache().get::<String>("perm").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cache entry \"perm\" holds a `u32`, not the `alloc::string::String` asked for"
    );
    Ok(())
}

#[kis_function(mode = "Save", conn = "Store")]
fn save(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
    let kv = ctx.connector()?.client::<MemoryKv>()?;
    for n in &rows {
        kv.set(format!("n{n}"), n.to_string());
    }
    Ok(rows)
}

#[kis_function(mode = "Load", conn = "Store")]
fn load(ctx: &FlowCtx, rows: Vec<u32>) -> kisflow::Result<Vec<u32>> {
    let kv = ctx.connector()?.client::<MemoryKv>()?;
    let mut out = Vec::new();
    for n in rows {
        let value = kv
            .get(&format!("n{n}"))?
            .ok_or_else(|| Error::msg(format!("n{n} not saved")))?;
        out.push(value.parse::<u32>().map_err(Error::msg)?);
    }
    Ok(out)
}

/// A connector that counts its inits and fails the first `fail` of them.
fn counted_store(inits: &Arc<AtomicUsize>, fail: usize) -> Connector {
    let inits = Arc::clone(inits);
    Connector::new(ConnConfig::new("Store"), move |_conn| {
        let n = inits.fetch_add(1, Ordering::SeqCst);
        async move {
            if n < fail {
                return Err("server not reachable".into());
            }
            Ok(MemoryKv::new())
        }
    })
}

/// Bug 7 (7.3, E17): Go made and initialised a connector per function instance and per fork.
/// One connector serves two functions, two flows and their forks, with one init.
#[tokio::test]
async fn one_connector_one_init_for_every_flow_and_fork() -> kisflow::Result<()> {
    flow!(SaveFlow: save -> last);
    flow!(RoundTrip: save -> load -> last);
    let inits = Arc::new(AtomicUsize::new(0));
    let store = counted_store(&inits, 0);
    let mut saving = SaveFlow::new().with_connector(&store)?;
    saving.commit_batch([1, 2])?;
    saving.run().await?;
    let mut round_trip = RoundTrip::new().with_connector(&store)?.fork();
    round_trip.commit_batch([2, 1])?;
    round_trip.run().await?;
    assert_eq!(seen(&round_trip), ["last:[2, 1]"]);
    assert_eq!(inits.load(Ordering::SeqCst), 1);
    assert_eq!(store.client::<MemoryKv>()?.keys(), ["n1", "n2"]);
    Ok(())
}

/// A failed init fails the run before any function runs, naming the connector, and the next
/// run tries again (Go returned success on a second Init after a failed first).
#[tokio::test]
async fn a_failed_connector_init_fails_the_run_and_is_retried() -> kisflow::Result<()> {
    flow!(Retried: save -> last);
    let inits = Arc::new(AtomicUsize::new(0));
    let mut flow = Retried::new().with_connector(&counted_store(&inits, 1))?;
    flow.commit(7)?;
    let err = flow.run().await.unwrap_err();
    assert_eq!(
        format!("{err:?}"),
        "connector \"Store\" failed to initialise\n\nCaused by:\n    server not reachable"
    );
    assert!(seen(&flow).is_empty());
    flow.commit(7)?;
    flow.run().await?;
    assert_eq!(seen(&flow), ["last:[7]"]);
    Ok(())
}

/// A function bound to a connector the instance was not given fails the run before any row
/// moves; giving a connector no function binds is refused at once.
#[tokio::test]
async fn missing_and_unbound_connectors_are_errors() -> kisflow::Result<()> {
    flow!(NoStore: plain -> save -> last);
    let mut flow = NoStore::new();
    flow.commit(1)?;
    let err = flow.run().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `NoStore`: function `save` is bound to connector \"Store\", which this flow instance \
         was not given; add it with `Flow::with_connector` before running"
    );
    assert!(seen(&flow).is_empty(), "no function ran");

    flow!(Plain: plain -> last);
    let other = Connector::memory_kv(ConnConfig::new("Other"));
    let err = Plain::new().with_connector(&other).unwrap_err();
    assert_eq!(
        err.to_string(),
        "flow `Plain`: no function is bound to connector \"Other\" (none of its functions is bound \
         to a connector); bind one with `#[kis_function(conn = \"Other\")]`"
    );
    Ok(())
}

/// Usage example 6: forks run concurrently on the multi-thread runtime and never mix rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_forks_never_mix_rows() -> kisflow::Result<()> {
    flow!(Forked: plain -> last);
    let original = Forked::new();
    let mut tasks = Vec::new();
    for fork_no in 0..16u32 {
        let mut fork = original.fork();
        tasks.push(tokio::spawn(async move {
            for run in 0..20u32 {
                fork.commit_batch((0..8).map(|i| fork_no * 1000 + run * 10 + i))?;
                fork.run().await?;
                tokio::task::yield_now().await;
            }
            Ok::<_, Error>((fork_no, seen(&fork)))
        }));
    }
    for task in tasks {
        let (fork_no, seen) = task.await.unwrap()?;
        assert_eq!(seen.len(), 40);
        for (n, line) in seen.iter().enumerate() {
            let run = u32::try_from(n / 2).unwrap();
            let rows: Vec<u32> = (0..8).map(|i| fork_no * 1000 + run * 10 + i).collect();
            let function = if n % 2 == 0 { "plain" } else { "last" };
            assert_eq!(line, &format!("{function}:{rows:?}"));
        }
    }
    Ok(())
}
