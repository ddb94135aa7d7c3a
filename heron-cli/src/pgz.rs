//! A gzip writer that compresses on every core and stays a plain `.tar.gz`.
//!
//! The stream is cut into chunks (4 MiB); each chunk becomes one complete gzip member, compressed
//! on its own thread, and the members are written in order. Concatenated members are a valid gzip
//! file (RFC 1952 §2.2): `tar zxf`, `gzip -d`, Python's `gzip`, Java's `GZIPInputStream` and
//! `flate2::MultiGzDecoder` read them as one stream. Chunks that do not compress (a jar is already
//! deflated) are stored (deflate level 0), which costs little more than a copy and a CRC; the test
//! is a trial compression of the chunk's first 64 KiB.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::thread::JoinHandle;

/// Chunk size: large enough that per-member overhead (~20 bytes) and lost cross-chunk matches do
/// not matter, small enough to keep every core busy on a few-MiB package.
pub const CHUNK: usize = 4 << 20;
const PROBE: usize = 64 << 10;
/// A chunk whose probe compresses to more than this share of its size is stored.
const STORE_RATIO: f64 = 0.95;

fn gzip_member(data: &[u8]) -> io::Result<Vec<u8>> {
    let probe = &data[..data.len().min(PROBE)];
    let level = {
        let mut enc = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(probe.len()),
            flate2::Compression::fast(),
        );
        enc.write_all(probe)?;
        let packed = enc.finish()?;
        if (packed.len() as f64) > (probe.len() as f64) * STORE_RATIO {
            flate2::Compression::none()
        } else {
            flate2::Compression::fast()
        }
    };
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 2 + 64), level);
    enc.write_all(data)?;
    enc.finish()
}

/// The parallel writer. Call [`ParallelGz::finish`]; dropping it loses the tail.
pub struct ParallelGz<W: Write> {
    out: W,
    buf: Vec<u8>,
    pending: VecDeque<JoinHandle<io::Result<Vec<u8>>>>,
    in_flight: usize,
    members: usize,
}

impl<W: Write> ParallelGz<W> {
    /// Compresses into `out` with one thread per available core.
    pub fn new(out: W) -> ParallelGz<W> {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        ParallelGz {
            out,
            buf: Vec::with_capacity(CHUNK),
            pending: VecDeque::new(),
            in_flight: cores.max(1),
            members: 0,
        }
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        while self.pending.len() >= self.in_flight {
            self.write_oldest()?;
        }
        self.pending
            .push_back(std::thread::spawn(move || gzip_member(&data)));
        self.members += 1;
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        if let Some(job) = self.pending.pop_front() {
            let member = job
                .join()
                .map_err(|_| io::Error::other("a compression thread panicked"))??;
            self.out.write_all(&member)?;
        }
        Ok(())
    }

    /// Compresses what is left, writes every member in order and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_chunk()?;
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        if self.members == 0 {
            // An empty input is still one valid (empty) gzip member.
            let member = gzip_member(&[])?;
            self.out.write_all(&member)?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Members are cut at chunk boundaries only; flushing the underlying writer is enough.
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    fn roundtrip(data: &[u8]) -> (Vec<u8>, usize) {
        let mut w = ParallelGz::new(Vec::new());
        // Odd write sizes cross chunk boundaries.
        for part in data.chunks(1_000_003) {
            w.write_all(part).unwrap();
        }
        let gz = w.finish().unwrap();
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(gz.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        (out, gz.len())
    }

    #[test]
    fn members_decode_to_the_input() {
        let mut data = noise(CHUNK * 2 + 12345, 7);
        data.extend(std::iter::repeat_n(b'a', CHUNK + 99));
        let (out, size) = roundtrip(&data);
        assert_eq!(out, data);
        // The noise is stored (a little over its size), the 'a's shrink to almost nothing.
        assert!(size < CHUNK * 2 + 12345 + (64 << 10), "{size}");
    }

    #[test]
    fn small_and_empty_inputs() {
        assert_eq!(roundtrip(b"hello").0, b"hello");
        let gz = ParallelGz::new(Vec::new()).finish().unwrap();
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(gz.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn gnu_gzip_reads_the_members() {
        let data = [noise(CHUNK + 5, 3), b"text ".repeat(100_000)].concat();
        let mut w = ParallelGz::new(Vec::new());
        w.write_all(&data).unwrap();
        let gz = w.finish().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.gz");
        std::fs::write(&path, &gz).unwrap();
        let out = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, data);
    }
}
