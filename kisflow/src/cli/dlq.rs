//! `dlq list|show|replay FLOW --config DIR`: the dead letters of a flow's YAML source.

use std::io::Write;
use std::path::Path;

use super::DlqAction;
use super::commands::{pool, text};
use crate::source::{DeadLetterStore, StoredLetter};

pub(super) fn dlq(action: DlqAction, out: &mut dyn Write) -> Result<(), String> {
    let (flow, config) = match &action {
        DlqAction::List { flow, config, .. }
        | DlqAction::Show { flow, config, .. }
        | DlqAction::Replay { flow, config, .. } => (flow.as_str(), config.as_path()),
    };
    let source = source(flow, config)?;
    if source.source_type == "rabbitmq" {
        // An exchange keeps nothing, and reading the bound queue would take the letters from it.
        return Err(format!(
            "flow `{flow}` sends its dead letters to the RabbitMQ exchange `{}` and the queue of \
             that name; `dlq` reads the dead letters of redis and nats sources only: read them \
             with RabbitMQ's tools (`rabbitmqadmin get queue={}`) and publish them back to the \
             queue `{}` to replay them",
            source.dead_letters, source.dead_letters, source.stream
        ));
    }
    let dead = DeadLetterStore::of(&source).map_err(|e| e.chain())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(run(action, &dead, out))
}

/// The flow's source.
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
    Ok(source)
}

async fn run(action: DlqAction, dead: &DeadLetterStore, out: &mut dyn Write) -> Result<(), String> {
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
            None => Err(format!("`{}` holds no dead letter `{id}`", dead.place())),
        },
        DlqAction::Replay {
            ids,
            limit,
            dry_run,
            ..
        } => {
            let report = dead
                .replay(&ids, limit, dry_run)
                .await
                .map_err(|e| e.chain())?;
            let verb = if dry_run { "would replay" } else { "replayed" };
            for id in &report.replayed {
                writeln!(out, "{verb} {id} to `{}`", dead.stream()).map_err(text)?;
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

/// A letter as `dlq list --json` and `dlq show` print it.
pub(crate) fn as_json(letter: &StoredLetter) -> serde_json::Value {
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
