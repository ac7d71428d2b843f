//! `dlq list|show|replay FLOW --config DIR`: the dead letters of a flow's YAML source.

use std::io::Write;
use std::path::Path;

use super::DlqAction;
use super::commands::pool;

pub(super) fn dlq(action: DlqAction, out: &mut dyn Write) -> Result<(), String> {
    let (flow, config) = match &action {
        DlqAction::List { flow, config, .. }
        | DlqAction::Show { flow, config, .. }
        | DlqAction::Replay { flow, config, .. } => (flow.as_str(), config.as_path()),
    };
    let source = source(flow, config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(run(action, &source, out))
}

/// The flow's source, which must be a Redis one for now.
fn source(flow: &str, config: &Path) -> Result<crate::config::SourceConfig, String> {
    let pool = pool(Some(config))?;
    let Some(found) = pool.config().flow(flow) else {
        return Err(format!(
            "`{}` has no flow `{flow}`; its flows: {}",
            config.display(),
            pool.config()
                .flows()
                .map(|f| f.flow_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let Some(source) = found.source.clone() else {
        return Err(format!(
            "flow `{flow}` names no `source`, so it has no dead letters"
        ));
    };
    if source.source_type != "redis" {
        return Err(format!(
            "flow `{flow}` reads a `{}` source; `dlq` reads the dead letters of `redis` sources only \
             so far (NATS dead letters are published on `{}`: read them with a stream on it)",
            source.source_type, source.dead_letters
        ));
    }
    Ok(source)
}

#[cfg(feature = "redis")]
async fn run(
    action: DlqAction,
    source: &crate::config::SourceConfig,
    out: &mut dyn Write,
) -> Result<(), String> {
    use super::commands::text;
    use crate::source::redis::RedisDeadLetters;
    let url = format!("redis://{}/", source.addrs);
    let dead = RedisDeadLetters::new(&url, &source.dead_letters).map_err(|e| e.chain())?;
    match action {
        DlqAction::List { limit, json, .. } => {
            for letter in dead.list(limit).await.map_err(|e| e.chain())? {
                if json {
                    writeln!(out, "{}", as_json(&letter)).map_err(text)?;
                } else {
                    writeln!(
                        out,
                        "{}  from {}  {}  attempts {}  replays {}  {}",
                        letter.id,
                        letter.source_id,
                        letter.kind,
                        letter.attempts,
                        letter.replays,
                        letter.error
                    )
                    .map_err(text)?;
                }
            }
            Ok(())
        }
        DlqAction::Show { id, .. } => match dead.get(&id).await.map_err(|e| e.chain())? {
            Some(letter) => {
                let pretty = serde_json::to_string_pretty(&as_json(&letter)).map_err(text)?;
                writeln!(out, "{pretty}").map_err(text)
            }
            None => Err(format!(
                "`{}` holds no dead letter `{id}`",
                source.dead_letters
            )),
        },
        DlqAction::Replay {
            ids,
            limit,
            dry_run,
            ..
        } => {
            let report = dead
                .replay(&source.stream, &ids, limit, dry_run)
                .await
                .map_err(|e| e.chain())?;
            let verb = if dry_run { "would replay" } else { "replayed" };
            for id in &report.replayed {
                writeln!(out, "{verb} {id} to `{}`", source.stream).map_err(text)?;
            }
            for (id, why) in &report.kept {
                writeln!(out, "kept {id}: {why}").map_err(text)?;
            }
            writeln!(
                out,
                "{} {verb}, {} kept",
                report.replayed.len(),
                report.kept.len()
            )
            .map_err(text)
        }
    }
}

#[cfg(not(feature = "redis"))]
#[allow(
    clippy::unused_async,
    reason = "the same signature as with the `redis` feature"
)]
async fn run(
    _: DlqAction,
    source: &crate::config::SourceConfig,
    _: &mut dyn Write,
) -> Result<(), String> {
    Err(format!(
        "this program's kisflow is built without the `redis` feature, so it cannot read `{}`",
        source.dead_letters
    ))
}

#[cfg(feature = "redis")]
fn as_json(letter: &crate::source::redis::StoredLetter) -> serde_json::Value {
    let mut value = serde_json::json!({
        "id": letter.id,
        "source_id": letter.source_id,
        "flow": letter.flow,
        "function": letter.function,
        "kind": letter.kind,
        "attempts": letter.attempts,
        "replays": letter.replays,
        "error": letter.error,
    });
    match std::str::from_utf8(&letter.payload) {
        Ok(payload) => value["payload"] = payload.into(),
        Err(_) => value["payload_bytes"] = letter.payload.clone().into(),
    }
    value
}
