//! The application served in-process on 127.0.0.1 for a benchmark run, and its orderly stop:
//! every binary measures the real server this way.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The server of one run: where it listens, and how to stop it.
pub struct Served {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Serves `state` on a free port of 127.0.0.1.
pub async fn serve(state: web::AppState) -> anyhow::Result<Served> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(web::serve(state, listener, async move {
        let _ = stopped.await;
    }));
    Ok(Served { addr, stop, task })
}

impl Served {
    /// Asks the server to stop and waits for it at most 10 s; what went wrong is reported on
    /// standard error, as it does not change the figures already taken.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(Duration::from_secs(10), self.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => eprintln!("server stopped with an error: {e}"),
            Ok(Err(e)) => eprintln!("server task failed: {e}"),
            Err(_) => eprintln!("server did not stop within 10 s"),
        }
    }
}

/// Serves `store` on a free port of 127.0.0.1 with the clock pinned at `now` (Jalali, Tehran
/// time; it runs on from there) and logins unlimited, as the latency benchmarks measure it.
pub async fn serve_pinned(
    store: std::sync::Arc<dyn store::Store>,
    now: &str,
) -> anyhow::Result<(Served, time::OffsetDateTime)> {
    let pinned =
        domain::calendar::parse_instant(now).map_err(|e| anyhow::anyhow!("--now {now:?}: {e}"))?;
    let state = web::AppState::new(
        store,
        std::sync::Arc::new(domain::clock::PinnedClock::new(pinned)),
        web::Config {
            login_attempts_per_minute: 10_000,
            ..Default::default()
        },
    );
    let served = serve(state).await?;
    eprintln!(
        "serving on http://{}/ (clock pinned at {now} Tehran)",
        served.addr
    );
    Ok((served, pinned))
}
