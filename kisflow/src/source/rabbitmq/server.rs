//! The server a source or sink talks to: its address checked once, shown without the password,
//! and connections to it.

use std::time::Duration;

use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};

use super::unavailable;
use crate::error::{Error, Result};

/// How long a connection attempt may take before it counts as failed; the runner tries again.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A RabbitMQ server: `host:port` (as `guest`/`guest` on the vhost `/`) or an `amqp://` or
/// `amqps://` URL.
#[derive(Clone)]
pub(super) struct Server {
    uri: AMQPUri,
    /// `host:port/vhost`, for messages: no credentials.
    shown: String,
}

impl Server {
    /// `addr` checked, or the config error naming it.
    pub(super) fn parse(addr: &str) -> Result<Self> {
        let url = if addr.contains("://") {
            addr.to_owned()
        } else {
            format!("amqp://{addr}/%2f")
        };
        let uri = url
            .parse::<AMQPUri>()
            .map_err(|err| Error::ConnectorConfig {
                connector: addr.to_owned(),
                reason: format!(
                    "`{addr}` is not a RabbitMQ address ({err}); give `host:port` or \
                 `amqp://user:password@host:port/vhost`"
                ),
            })?;
        let vhost = if uri.vhost == "/" { "" } else { &uri.vhost };
        let shown = format!("{}:{}/{vhost}", uri.authority.host, uri.authority.port);
        Ok(Self { uri, shown })
    }

    /// `host:port/vhost`, without credentials.
    pub(super) fn shown(&self) -> &str {
        &self.shown
    }

    /// A new connection named `name` (the server's connection list shows it).
    pub(super) async fn connect(&self, name: &str, place: &str) -> Result<Connection> {
        let properties = ConnectionProperties::default().with_connection_name(name.into());
        match tokio::time::timeout(
            CONNECT_TIMEOUT,
            Connection::connect_uri(self.uri.clone(), properties),
        )
        .await
        {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(err)) => Err(unavailable(place, "connect", err)),
            Err(_) => Err(unavailable(
                place,
                "connect",
                format_args!("no answer within {CONNECT_TIMEOUT:?}"),
            )),
        }
    }
}

/// Whether `err` is the server's 404: the queue or exchange does not exist.
pub(super) fn not_found(err: &lapin::Error) -> bool {
    matches!(err.kind(), lapin::ErrorKind::ProtocolError(e) if e.get_id() == 404)
}

#[cfg(test)]
mod tests {
    use super::Server;

    #[test]
    fn addresses_are_shown_without_credentials() {
        let plain = Server::parse("127.0.0.1:5672").unwrap();
        assert_eq!(plain.shown(), "127.0.0.1:5672/");
        let url = Server::parse("amqp://kis:secret@rabbit:5673/jobs").unwrap();
        assert_eq!(url.shown(), "rabbit:5673/jobs");
        assert_eq!(url.uri.authority.userinfo.password, "secret");
        let err = Server::parse("http://x").err().unwrap().to_string();
        assert!(
            err.contains("`http://x` is not a RabbitMQ address"),
            "{err}"
        );
    }
}
