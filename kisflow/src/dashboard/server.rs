//! [`DashboardServer`]: the dashboard on a listener of its own.

use std::net::SocketAddr;

use super::Dashboard;

/// The dashboard's own listener, serving until dropped.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// let server = kisflow::dashboard::Dashboard::new().serve("127.0.0.1:0").await?;
/// println!("http://{}", server.local_addr());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct DashboardServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl DashboardServer {
    /// The address it listens on, with the port picked when `:0` was asked for.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for DashboardServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(super) async fn serve(dashboard: Dashboard, addr: &str) -> std::io::Result<DashboardServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    if !bound.ip().is_loopback() && !dashboard.remote {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "the dashboard listens on loopback only, and `{addr}` is not a loopback \
                 address; use 127.0.0.1:PORT, or allow other hosts on purpose \
                 (`Dashboard::allow_remote`, `--ui-remote`) behind a proxy that encrypts"
            ),
        ));
    }
    let app = dashboard
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "the dashboard stopped serving");
        }
    });
    Ok(DashboardServer { addr: bound, task })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_loopback_unless_allowed() {
        let refused = Dashboard::new().serve("0.0.0.0:0").await.unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::PermissionDenied);
        assert!(
            refused.to_string().contains("is not a loopback address"),
            "{refused}"
        );
        let server = Dashboard::new().serve("127.0.0.1:0").await.unwrap();
        assert!(server.local_addr().ip().is_loopback());
        let open = Dashboard::new()
            .allow_remote()
            .serve("0.0.0.0:0")
            .await
            .unwrap();
        assert!(open.local_addr().ip().is_unspecified());
    }
}
