//! The package to upload (a file or stdin), read in bounded chunks with its sha256 computed on
//! the way, and the progress bar.

use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use heron_common::{Error, Result};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

/// Where the package comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A regular file, with its size at open time.
    File {
        /// The path as given.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
    /// Standard input (`-`): size unknown until the end.
    Stdin,
}

impl Input {
    /// Checks the argument: `-` is stdin; anything else must be a readable regular file.
    pub fn open(arg: &str) -> Result<Input> {
        if arg == "-" {
            return Ok(Input::Stdin);
        }
        let path = PathBuf::from(arg);
        let meta =
            std::fs::metadata(&path).map_err(|e| Error::io("cannot read package", &path, e))?;
        if !meta.is_file() {
            return Err(Error::BadInput(format!(
                "package {} is not a regular file (give a .tar.gz file, or - for stdin)",
                path.display()
            )));
        }
        if meta.len() == 0 {
            return Err(Error::BadInput(format!(
                "package {} is empty",
                path.display()
            )));
        }
        // Open once now so a permission problem is reported before anything is uploaded.
        std::fs::File::open(&path).map_err(|e| Error::io("cannot open package", &path, e))?;
        Ok(Input::File {
            path,
            size: meta.len(),
        })
    }

    /// The size, when known in advance.
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::File { size, .. } => Some(*size),
            Input::Stdin => None,
        }
    }

    /// A short name for messages.
    pub fn describe(&self) -> String {
        match self {
            Input::File { path, .. } => path.display().to_string(),
            Input::Stdin => "stdin".to_string(),
        }
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        match self {
            Input::File { path, .. } => Ok(Box::new(
                std::fs::File::open(path).map_err(|e| Error::io("cannot open package", path, e))?,
            )),
            Input::Stdin => Ok(Box::new(std::io::stdin())),
        }
    }

    fn read_error(&self, e: std::io::Error) -> Error {
        match self {
            Input::File { path, .. } => Error::io("cannot read package", path, e),
            Input::Stdin => Error::io("cannot read package from", "stdin", e),
        }
    }
}

/// The error for an empty package (from stdin: files are checked when opened).
pub fn empty_package(input: &Input) -> Error {
    Error::BadInput(format!(
        "the package from {} is empty; nothing was uploaded",
        input.describe()
    ))
}

/// Hex sha256 and size of a whole file, read in 1 MiB blocks (blocking).
pub fn hash_file(path: &Path, progress: &Progress) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
        progress.inc(n as u64);
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Reads until `buf` is full or the end of the file; the bytes read.
pub fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// What a [`ChunkReader`] reports at the end of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digested {
    /// Hex sha256 of everything read (empty when hashing was off).
    pub sha256: String,
    /// Bytes read.
    pub size: u64,
}

/// Reads the input on its own thread into chunks of a fixed size (the last may be shorter),
/// hashing as it goes, and hands them over through a bounded channel: memory stays at
/// `(depth + 2) * chunk` whatever the package size.
pub struct ChunkReader {
    rx: mpsc::Receiver<Result<Bytes>>,
    done: Option<std::thread::JoinHandle<Result<Digested>>>,
}

impl ChunkReader {
    /// Starts reading. `hash` off skips the sha256 (when it was computed in a first pass).
    pub fn start(input: &Input, chunk: usize, depth: usize, hash: bool) -> Result<ChunkReader> {
        let reader = input.reader()?;
        let input = input.clone();
        let (tx, rx) = mpsc::channel(depth.max(1));
        let done = std::thread::Builder::new()
            .name("package-reader".into())
            .spawn(move || read_chunks(reader, &input, chunk, hash, tx))
            .map_err(|e| Error::Failed(format!("cannot start the package reader thread: {e}")))?;
        Ok(ChunkReader {
            rx,
            done: Some(done),
        })
    }

    /// The next chunk; `None` at the end of the input.
    pub async fn next(&mut self) -> Result<Option<Bytes>> {
        match self.rx.recv().await {
            Some(Ok(chunk)) => Ok(Some(chunk)),
            Some(Err(e)) => Err(e),
            None => Ok(None),
        }
    }

    /// The digest, once [`ChunkReader::next`] returned `None`.
    pub async fn finish(mut self) -> Result<Digested> {
        let handle = self
            .done
            .take()
            .ok_or_else(|| Error::Failed("package reader finished twice".into()))?;
        tokio::task::spawn_blocking(move || handle.join())
            .await
            .map_err(|e| Error::Failed(format!("package reader task failed: {e}")))?
            .map_err(|_| Error::Failed("package reader thread panicked".into()))?
    }
}

fn read_chunks(
    mut reader: Box<dyn Read + Send>,
    input: &Input,
    chunk: usize,
    hash: bool,
    tx: mpsc::Sender<Result<Bytes>>,
) -> Result<Digested> {
    let mut hasher = hash.then(Sha256::new);
    let mut total = 0u64;
    loop {
        let mut buf = vec![0u8; chunk];
        let filled = match read_full(&mut reader, &mut buf) {
            Ok(n) => n,
            Err(e) => {
                let err = input.read_error(e);
                let message = err.to_string();
                // The receiver reports the error; the thread's own result repeats it.
                let _ = tx.blocking_send(Err(err));
                return Err(Error::Failed(message));
            }
        };
        if filled == 0 {
            break;
        }
        buf.truncate(filled);
        if let Some(h) = hasher.as_mut() {
            h.update(&buf);
        }
        total += filled as u64;
        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
            // The consumer gave up (error or signal): stop reading.
            return Err(Error::Failed("upload stopped".into()));
        }
        if filled < chunk {
            break;
        }
    }
    Ok(Digested {
        sha256: hasher
            .map(|h| hex::encode(h.finalize()))
            .unwrap_or_default(),
        size: total,
    })
}

/// Progress on stderr for large uploads when stderr is a terminal; a no-op otherwise.
#[derive(Clone)]
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

/// Below this size no bar is drawn: it would only flicker.
pub const PROGRESS_MIN_BYTES: u64 = 16 << 20;

impl Progress {
    /// A bar that draws nothing.
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// A bar for `total` bytes (unknown for stdin) with a label, shown only when `enabled`, stderr
    /// is a terminal and the package is large (or of unknown size).
    pub fn new(enabled: bool, total: Option<u64>, label: &str) -> Progress {
        use std::io::IsTerminal;
        if !enabled
            || !std::io::stderr().is_terminal()
            || total.is_some_and(|t| t < PROGRESS_MIN_BYTES)
        {
            return Progress::hidden();
        }
        let target = indicatif::ProgressDrawTarget::stderr();
        let bar = indicatif::ProgressBar::with_draw_target(total, target);
        let template = if total.is_some() {
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
        } else {
            "{msg} {bytes} {bytes_per_sec}"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        Progress { bar: Some(bar) }
    }

    /// Adds bytes done.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    /// Starts over with a new label (second pass).
    pub fn restart(&self, label: &str) {
        if let Some(b) = &self.bar {
            b.set_position(0);
            b.set_message(label.to_string());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_and_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let input = Input::open(path.to_str().unwrap()).unwrap();
        assert_eq!(input.size(), Some(10_000));
        let mut r = ChunkReader::start(&input, 4096, 1, true).unwrap();
        let mut got = Vec::new();
        let mut sizes = Vec::new();
        while let Some(c) = r.next().await.unwrap() {
            sizes.push(c.len());
            got.extend_from_slice(&c);
        }
        assert_eq!(sizes, vec![4096, 4096, 1808]);
        assert_eq!(got, data);
        let d = r.finish().await.unwrap();
        assert_eq!(d.size, 10_000);
        assert_eq!(d.sha256, hex::encode(Sha256::digest(&data)));
        assert_eq!(
            hash_file(&path, &Progress::hidden()).unwrap(),
            (d.sha256, 10_000)
        );
    }

    #[tokio::test]
    async fn exact_multiple_and_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        std::fs::write(&path, vec![7u8; 8192]).unwrap();
        let input = Input::open(path.to_str().unwrap()).unwrap();
        let mut r = ChunkReader::start(&input, 4096, 2, false).unwrap();
        let mut n = 0;
        while r.next().await.unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 2);
        assert_eq!(r.finish().await.unwrap().size, 8192);

        std::fs::write(&path, b"").unwrap();
        assert_eq!(
            Input::open(path.to_str().unwrap()).unwrap_err().exit_code(),
            heron_common::ExitCode::BadInput
        );
        let input = Input::File {
            path: path.clone(),
            size: 0,
        };
        let mut r = ChunkReader::start(&input, 4096, 2, true).unwrap();
        assert!(r.next().await.unwrap().is_none());
        assert_eq!(
            r.finish().await.unwrap().sha256,
            hex::encode(Sha256::digest(b""))
        );
    }

    #[test]
    fn bad_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Input::open(dir.path().join("nope").to_str().unwrap()).unwrap_err();
        assert_eq!(missing.exit_code(), heron_common::ExitCode::NotFound);
        assert!(missing.to_string().contains("nope"));
        let a_dir = Input::open(dir.path().to_str().unwrap()).unwrap_err();
        assert_eq!(a_dir.exit_code(), heron_common::ExitCode::BadInput);
        assert_eq!(Input::open("-").unwrap(), Input::Stdin);
    }
}
