//! `lock`: take the update lock, print `locked`, hold it until stdin closes (or the lock is lost),
//! release it.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, bail};
use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::signal::interrupted;

use crate::store::StateManager;

pub(super) async fn lock(
    store: &dyn StateManager,
    topology: &str,
    timeout_ms: u64,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let held = tokio::select! {
        held = store.lock(topology, Duration::from_millis(timeout_ms)) => held?,
        signal = interrupted() => {
            return Err(CodedError::new(ExitCode::Interrupted, format!("interrupted by {signal} while waiting for the lock")).into());
        }
    };
    writeln!(out, "locked")
        .and_then(|_| out.flush())
        .context("cannot write to stdout")?;
    let lost = held.lost();
    let stdin_closed = async {
        use tokio::io::AsyncReadExt;
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 1024];
        loop {
            match stdin.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    tokio::select! {
        _ = stdin_closed => {}
        _ = interrupted() => {}
        reason = lost => {
            bail!(CodedError::new(ExitCode::Failed, format!("lost the update lock {}: {reason}", held.location())));
        }
    }
    held.release().await?;
    Ok(ExitCode::Ok)
}
