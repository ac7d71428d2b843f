//! One commit of [`PgState`](super::PgState) as one transaction: a statement per part, with
//! arrays rather than a statement per key.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio_postgres::{Client, Transaction};

use crate::error::{Error, Result};
use crate::state::{Also, Commit, Committed};

/// Applies `commit` to the tables of prefix `p`, or nothing.
pub(super) async fn apply(
    client: &mut Client,
    p: &str,
    commit: &Commit,
    commits: &AtomicU64,
    fail: impl Fn(tokio_postgres::Error) -> Error,
) -> Result<Committed> {
    let txn = client.transaction().await.map_err(&fail)?;
    if changed(&txn, p, commit, &fail).await? {
        return Ok(Committed::Conflict);
    }
    if !record(&txn, p, commit, &fail).await? {
        // Committed by another consumer that had one of these messages meanwhile.
        return Ok(Committed::Lost);
    }
    write(&txn, p, commit, &fail).await?;
    also(&txn, p, commit, &fail).await?;
    if commits.fetch_add(1, Ordering::Relaxed) % 1000 == 999 {
        let prune = format!("DELETE FROM {p}_done WHERE at < now() - interval '1 day'");
        txn.execute(&prune, &[]).await.map_err(&fail)?;
    }
    txn.commit().await.map_err(&fail)?;
    Ok(Committed::Done)
}

/// Whether a key the run read has changed since; the keys stay locked until the commit ends.
async fn changed(
    txn: &Transaction<'_>,
    p: &str,
    commit: &Commit,
    fail: &impl Fn(tokio_postgres::Error) -> Error,
) -> Result<bool> {
    if commit.reads.is_empty() {
        return Ok(false);
    }
    let (namespaces, keys): (Vec<&str>, Vec<&str>) = commit
        .reads
        .iter()
        .map(|(ns, key, _)| (ns.as_str(), key.as_str()))
        .unzip();
    let query = format!(
        "SELECT namespace, key, value FROM {p}_values \
         WHERE (namespace, key) IN (SELECT * FROM UNNEST($1::text[], $2::text[])) FOR UPDATE"
    );
    let rows = txn
        .query(&query, &[&namespaces, &keys])
        .await
        .map_err(fail)?;
    let now: BTreeMap<(String, String), Vec<u8>> = rows
        .into_iter()
        .map(|row| ((row.get(0), row.get(1)), row.get(2)))
        .collect();
    Ok(commit
        .reads
        .iter()
        .any(|(ns, key, read)| now.get(&(ns.clone(), key.clone())) != read.as_ref()))
}

/// Records the batch's ids; `false` when one of them was recorded already.
async fn record(
    txn: &Transaction<'_>,
    p: &str,
    commit: &Commit,
    fail: &impl Fn(tokio_postgres::Error) -> Error,
) -> Result<bool> {
    let Some(source) = &commit.source else {
        return Ok(true);
    };
    if commit.acks.is_empty() {
        return Ok(true);
    }
    let insert = format!(
        "INSERT INTO {p}_done (source, id) SELECT $1, UNNEST($2::text[]) ON CONFLICT DO NOTHING"
    );
    let added = txn
        .execute(&insert, &[source, &commit.acks])
        .await
        .map_err(fail)?;
    Ok(usize::try_from(added).is_ok_and(|added| added == commit.acks.len()))
}

/// The state's writes and deletes.
async fn write(
    txn: &Transaction<'_>,
    p: &str,
    commit: &Commit,
    fail: &impl Fn(tokio_postgres::Error) -> Error,
) -> Result<()> {
    let (mut put, mut gone) = (
        (Vec::new(), Vec::new(), Vec::new()),
        (Vec::new(), Vec::new()),
    );
    for (ns, key, value) in &commit.writes {
        match value {
            Some(value) => {
                put.0.push(ns.as_str());
                put.1.push(key.as_str());
                put.2.push(value.as_slice());
            }
            None => {
                gone.0.push(ns.as_str());
                gone.1.push(key.as_str());
            }
        }
    }
    if !put.0.is_empty() {
        let upsert = format!(
            "INSERT INTO {p}_values (namespace, key, value) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bytea[]) \
             ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value"
        );
        txn.execute(&upsert, &[&put.0, &put.1, &put.2])
            .await
            .map_err(fail)?;
    }
    if !gone.0.is_empty() {
        let delete = format!(
            "DELETE FROM {p}_values WHERE (namespace, key) IN \
             (SELECT * FROM UNNEST($1::text[], $2::text[]))"
        );
        txn.execute(&delete, &[&gone.0, &gone.1])
            .await
            .map_err(fail)?;
    }
    Ok(())
}

/// The extra writes; the last write of a field wins, as it would one after another.
async fn also(
    txn: &Transaction<'_>,
    p: &str,
    commit: &Commit,
    fail: &impl Fn(tokio_postgres::Error) -> Error,
) -> Result<()> {
    let last: BTreeMap<(&str, &str), &str> = commit
        .also
        .iter()
        .map(|Also::HashSet { hash, field, value }| {
            ((hash.as_str(), field.as_str()), value.as_str())
        })
        .collect();
    if last.is_empty() {
        return Ok(());
    }
    let mut columns = (Vec::new(), Vec::new(), Vec::new());
    for ((hash, field), value) in last {
        columns.0.push(hash);
        columns.1.push(field);
        columns.2.push(value);
    }
    let upsert = format!(
        "INSERT INTO {p}_hashes (hash, field, value) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]) \
         ON CONFLICT (hash, field) DO UPDATE SET value = EXCLUDED.value"
    );
    txn.execute(&upsert, &[&columns.0, &columns.1, &columns.2])
        .await
        .map_err(fail)?;
    Ok(())
}
