//! A source's `addrs`: `host:port`, or what a source type also takes (an `amqp://` URL for
//! rabbitmq, a comma list for kafka, a `mysql://` URL for mysql-binlog), checked with the flow
//! document.

use serde_saphyr::Location;

use crate::config::doc::Doc;
use crate::config::fields::Text;

/// The `addrs` of a source of type `kind`, or `None` after reporting what is wrong with it.
pub(super) fn check(
    doc: &mut Doc<'_>,
    raw: Option<Text>,
    kind: Option<&str>,
    at: &Location,
) -> Option<Text> {
    let rabbitmq = kind == Some("rabbitmq");
    let mysql = kind == Some("mysql-binlog");
    let kafka = kind == Some("kafka");
    doc.name(raw, "addrs", "give the server", at).filter(|a| {
        let host_port = |one: &str| {
            one.rsplit_once(':').is_some_and(|(host, port)| {
                !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
            })
        };
        // Kafka takes several bootstrap servers; each must be `host:port`.
        let fine = if kafka {
            a.value.split(',').all(|one| host_port(one.trim()))
        } else {
            host_port(&a.value)
                || (rabbitmq && amqp_url(&a.value))
                || (mysql && a.value.starts_with("mysql://"))
        };
        if kafka && !fine {
            doc.report(
                &a.referenced,
                format!(
                    "`addrs` must be `host:port`, or several separated by commas, such as \
                     `127.0.0.1:9092,127.0.0.1:9093`, not `{}`",
                    a.value
                ),
            );
        } else if rabbitmq && !fine {
            doc.report(
                &a.referenced,
                format!(
                    "`addrs` must be `host:port`, such as `127.0.0.1:5672`, or an \
                         `amqp://user:password@host:port/vhost` URL, not `{}`",
                    a.value
                ),
            );
        } else if mysql && !fine {
            doc.report(
                &a.referenced,
                format!(
                    "`addrs` must be `host:port`, such as `127.0.0.1:3306`, or a \
                         `mysql://user:password@host:port/` URL, not `{}`",
                    a.value
                ),
            );
        } else if !fine {
            doc.report(
                &a.referenced,
                format!(
                    "`addrs` must be `host:port`, such as `127.0.0.1:6379`, not `{}`",
                    a.value
                ),
            );
        }
        fine
    })
}

/// Whether `addrs` is an `amqp://` or `amqps://` URL with something after the scheme; lapin
/// checks the rest when the source is made.
fn amqp_url(addrs: &str) -> bool {
    ["amqp://", "amqps://"].iter().any(|scheme| {
        addrs
            .strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty())
    })
}
