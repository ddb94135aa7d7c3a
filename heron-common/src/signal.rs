//! Waiting for SIGINT or SIGTERM, for the async stage binaries (`heron-statemgr`,
//! `heron-uploader`), which stop what they do and clean up when one arrives.
//!
//! Behind the `signal` feature so that the library itself stays free of tokio.

/// Resolves on SIGINT or SIGTERM, with the signal's name. Where the signals cannot be watched it
/// never resolves, and the operation decides when it ends.
pub async fn interrupted() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
