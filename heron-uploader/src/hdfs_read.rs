//! Reading a package back from HDFS: the byte-for-byte comparison that spares re-sending an
//! identical package uploaded without its digest, and the sha256 a conditional undo needs then.

use std::path::Path;

use hdfs_native::Client;
use heron_common::{Error, Result};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::hdfs::{CHUNK, map_error};
use crate::source::Progress;

/// Whether the local file and the HDFS file hold the same bytes (they are known to be the same
/// size), read side by side and stopped at the first difference: `Some` when they do, with the
/// sha256 when `hash` asks for it.
pub async fn same_content(
    client: &Client,
    local: &Path,
    remote: &str,
    hash: bool,
    progress: &Progress,
) -> Result<Option<Option<String>>> {
    progress.restart("comparing");
    let differ = || {
        progress.restart("uploading");
        Ok(None)
    };
    let mut theirs = client
        .read(remote)
        .await
        .map_err(|e| map_error(format!("cannot read {remote}"), e))?;
    let mut ours = tokio::fs::File::open(local)
        .await
        .map_err(|e| Error::io("cannot open package", local, e))?;
    let mut hasher = hash.then(Sha256::new);
    let mut buf = vec![0u8; CHUNK];
    while theirs.remaining() > 0 {
        let block = theirs
            .read_bytes(theirs.remaining().min(CHUNK))
            .await
            .map_err(|e| map_error(format!("cannot read {remote}"), e))?;
        if block.is_empty() {
            break;
        }
        let mine = &mut buf[..block.len()];
        match ours.read_exact(mine).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return differ(),
            Err(e) => return Err(Error::io("cannot read package", local, e)),
        }
        if *mine != block[..] {
            return differ();
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&block);
        }
        progress.inc(block.len() as u64);
    }
    let mut rest = [0u8; 1];
    let more = ours
        .read(&mut rest)
        .await
        .map_err(|e| Error::io("cannot read package", local, e))?;
    if more != 0 {
        return differ(); // it grew meanwhile
    }
    Ok(Some(hasher.map(|h| hex::encode(h.finalize()))))
}

/// Hex sha256 of a file in HDFS, read back whole.
pub async fn sha256(client: &Client, path: &str) -> Result<String> {
    let mut reader = client
        .read(path)
        .await
        .map_err(|e| map_error(format!("cannot read {path}"), e))?;
    let mut hasher = Sha256::new();
    while reader.remaining() > 0 {
        let block = reader
            .read_bytes(reader.remaining().min(CHUNK))
            .await
            .map_err(|e| map_error(format!("cannot read {path}"), e))?;
        if block.is_empty() {
            break;
        }
        hasher.update(&block);
    }
    Ok(hex::encode(hasher.finalize()))
}
