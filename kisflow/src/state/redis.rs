//! [`RedisState`]: keyed state in Redis hashes, committed with the acks of a Redis Streams
//! source in one script.

use std::sync::Arc;

use futures::future::BoxFuture;
use redis::aio::ConnectionManager;
use redis::{Client, Script};
use tokio::sync::OnceCell;

use super::{Also, Commit, Committed, Entries, Pairing, StateStore};
use crate::error::{Error, Result};

/// Checks that every message is still this consumer's and no key read changed, then writes the
/// state, the extra hash fields and the acks; all in one script, which Redis runs atomically.
///
/// KEYS: the stream, then the state hashes and extra hashes as ARGV names them by index.
/// ARGV: group, consumer, then counts and items: acks (id), reads (key index, field, present,
/// value), writes (key index, field, present, value), also (key index, field, value).
const COMMIT: &str = r"
local group, consumer = ARGV[1], ARGV[2]
local at = 3
local function take() local v = ARGV[at]; at = at + 1; return v end
local acks = {}
for i = 1, tonumber(take()) do acks[i] = take() end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
if KEYS[1] ~= '' and #acks > 0 then
  -- One XPENDING over the batch's range, filtered to this consumer, instead of one per entry.
  local low, high = acks[1], acks[1]
  for _, id in ipairs(acks) do
    if before(id, low) then low = id end
    if before(high, id) then high = id end
  end
  local limit = #acks * 4 + 64
  local mine = redis.call('XPENDING', KEYS[1], group, low, high, limit, consumer)
  local held = {}
  for _, entry in ipairs(mine) do held[entry[1]] = true end
  for _, id in ipairs(acks) do
    if not held[id] then
      -- Past the limit (this consumer holds many entries in that range), ask for this one.
      if #mine < limit or #redis.call('XPENDING', KEYS[1], group, id, id, 1, consumer) == 0 then
        return 'lost'
      end
    end
  end
end
for _ = 1, tonumber(take()) do
  local key, field, present, value = KEYS[tonumber(take())], take(), take(), take()
  local now = redis.call('HGET', key, field)
  if present == '1' then
    if now ~= value then return 'conflict' end
  elseif now then
    return 'conflict'
  end
end
for _ = 1, tonumber(take()) do
  local key, field, present, value = KEYS[tonumber(take())], take(), take(), take()
  if present == '1' then redis.call('HSET', key, field, value) else redis.call('HDEL', key, field) end
end
for _ = 1, tonumber(take()) do
  local key, field, value = KEYS[tonumber(take())], take(), take()
  redis.call('HSET', key, field, value)
end
if KEYS[1] ~= '' and #acks > 0 then
  for i = 1, #acks, 1000 do
    redis.call('XACK', KEYS[1], group, unpack(acks, i, math.min(i + 999, #acks)))
  end
end
return 'done'
";

/// Keyed state in Redis: each namespace (`flow/function`) is the hash `<prefix>:<namespace>`,
/// each key a field holding its JSON value. With [`acking`](Self::acking) a Redis Streams
/// consumer on the same server, each commit also acks the batch's entries, atomically: the
/// effectively-once pairing (see the [module docs](super)).
///
/// ```no_run
/// use kisflow::source::redis::RedisStreams;
/// use kisflow::state::RedisState;
///
/// let streams = RedisStreams::new("redis://127.0.0.1/", "readings", "counters", "w1")?;
/// let state = RedisState::new("redis://127.0.0.1/", "counts")?.acking("readings", "counters", "w1");
/// # Ok::<(), kisflow::Error>(())
/// ```
pub struct RedisState {
    name: String,
    client: Client,
    prefix: String,
    /// The stream, group and consumer whose entries commits ack.
    acking: Option<(String, String, String)>,
    connection: OnceCell<ConnectionManager>,
    script: Arc<Script>,
}

impl RedisState {
    /// State in hashes named `<prefix>:<flow>/<function>` at the Redis of `url`. Nothing
    /// connects before the first read or commit.
    pub fn new(url: &str, prefix: impl Into<String>) -> Result<Self> {
        let client = Client::open(url).map_err(|err| Error::ConnectorConfig {
            connector: url.to_owned(),
            reason: format!("`{url}` is not a Redis address: {err}"),
        })?;
        let prefix = prefix.into();
        Ok(Self {
            name: format!("redis state {url} {prefix}"),
            client,
            prefix,
            acking: None,
            connection: OnceCell::new(),
            script: Arc::new(Script::new(COMMIT)),
        })
    }

    /// This store, acking in each commit the entries of `stream` read through `group` as
    /// `consumer` (a [`RedisStreams`](crate::source::redis::RedisStreams) on the same server),
    /// and only while they are still that consumer's.
    #[must_use]
    pub fn acking(
        mut self,
        stream: impl Into<String>,
        group: impl Into<String>,
        consumer: impl Into<String>,
    ) -> Self {
        self.acking = Some((stream.into(), group.into(), consumer.into()));
        self
    }

    fn hash(&self, namespace: &str) -> String {
        format!("{}:{namespace}", self.prefix)
    }

    async fn connection(&self) -> Result<ConnectionManager> {
        self.connection
            .get_or_try_init(|| async {
                ConnectionManager::new(self.client.clone())
                    .await
                    .map_err(|err| self.down(&err))
            })
            .await
            .cloned()
    }

    fn down(&self, err: &redis::RedisError) -> Error {
        Error::ConnectorClient {
            connector: self.name.clone(),
            reason: format!("failed: {err}"),
        }
    }
}

impl StateStore for RedisState {
    fn name(&self) -> &str {
        &self.name
    }

    fn load<'a>(
        &'a self,
        namespace: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            let mut redis = self.connection().await?;
            redis::cmd("HGET")
                .arg(self.hash(namespace))
                .arg(key)
                .query_async(&mut redis)
                .await
                .map_err(|err| self.down(&err))
        })
    }

    fn load_many<'a>(
        &'a self,
        namespace: &'a str,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<Vec<u8>>>>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let mut redis = self.connection().await?;
            redis::cmd("HMGET")
                .arg(self.hash(namespace))
                .arg(keys)
                .query_async(&mut redis)
                .await
                .map_err(|err| self.down(&err))
        })
    }

    fn scan<'a>(&'a self, namespace: &'a str) -> BoxFuture<'a, Result<Entries>> {
        Box::pin(async move {
            let mut redis = self.connection().await?;
            redis::cmd("HGETALL")
                .arg(self.hash(namespace))
                .query_async(&mut redis)
                .await
                .map_err(|err| self.down(&err))
        })
    }

    fn commit<'a>(&'a self, commit: &'a Commit) -> BoxFuture<'a, Result<Committed>> {
        Box::pin(async move {
            let mut keys: Vec<String> = vec![
                self.acking
                    .as_ref()
                    .map_or_else(String::new, |(s, ..)| s.clone()),
            ];
            let mut index = |name: String| -> String {
                let at = keys.iter().position(|k| *k == name).unwrap_or_else(|| {
                    keys.push(name);
                    keys.len() - 1
                });
                (at + 1).to_string()
            };
            let (group, consumer) = self
                .acking
                .as_ref()
                .map_or(("", ""), |(_, g, c)| (g.as_str(), c.as_str()));
            let mut args: Vec<Vec<u8>> = vec![group.into(), consumer.into()];
            let acks: &[String] = if self.acking.is_some() {
                &commit.acks
            } else {
                &[]
            };
            args.push(acks.len().to_string().into_bytes());
            args.extend(acks.iter().map(|id| id.clone().into_bytes()));
            for list in [&commit.reads, &commit.writes] {
                args.push(list.len().to_string().into_bytes());
                for (ns, field, value) in list {
                    args.push(index(self.hash(ns)).into_bytes());
                    args.push(field.clone().into_bytes());
                    args.push(if value.is_some() {
                        b"1".to_vec()
                    } else {
                        b"0".to_vec()
                    });
                    args.push(value.clone().unwrap_or_default());
                }
            }
            args.push(commit.also.len().to_string().into_bytes());
            for Also::HashSet { hash, field, value } in &commit.also {
                args.push(index(hash.clone()).into_bytes());
                args.push(field.clone().into_bytes());
                args.push(value.clone().into_bytes());
            }
            let mut invocation = self.script.prepare_invoke();
            for key in &keys {
                invocation.key(key);
            }
            for arg in &args {
                invocation.arg(arg.as_slice());
            }
            let mut redis = self.connection().await?;
            let answer: String = invocation
                .invoke_async(&mut redis)
                .await
                .map_err(|err| self.down(&err))?;
            match answer.as_str() {
                "done" => Ok(Committed::Done),
                "conflict" => Ok(Committed::Conflict),
                _ => Ok(Committed::Lost),
            }
        })
    }

    fn pairing(&self, source: &str) -> Pairing {
        let acks = self
            .acking
            .as_ref()
            .is_some_and(|(stream, group, _)| source == format!("redis:{stream}/{group}"));
        if acks {
            Pairing::AcksInCommit
        } else {
            Pairing::Separate
        }
    }
}

impl std::fmt::Debug for RedisState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisState")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
