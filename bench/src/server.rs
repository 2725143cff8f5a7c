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
