//! A gzip writer that compresses on every core and stays a plain `.tar.gz`.
//!
//! The stream is cut into chunks (4 MiB); each chunk becomes one complete gzip member, compressed
//! on its own thread, and the members are written in order. Concatenated members are a valid gzip
//! file (RFC 1952 §2.2): `tar zxf`, `gzip -d`, Python's `gzip`, Java's `GZIPInputStream` and
//! `flate2::MultiGzDecoder` read them as one stream. Chunks that do not compress (a jar is already
//! deflated) are written as stored deflate blocks by `stored_member`, a copy and a CRC; the test
//! is a trial compression of the chunk's first 64 KiB.
//!
//! Not the `gzp` crate: it deflates every block, so a jar costs it ten times the CPU, and it
//! brings six crates more (issue 16; the figures are in BENCHMARKS.md, speed work).

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
    let packed = {
        let mut enc = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(probe.len()),
            flate2::Compression::fast(),
        );
        enc.write_all(probe)?;
        enc.finish()?
    };
    if (packed.len() as f64) > (probe.len() as f64) * STORE_RATIO {
        // Written here rather than by flate2 at level 0: miniz_oxide's level 0 still runs its
        // block pipeline (430 ms per 200 MB on this project's bench machine); a copy and a CRC
        // take 11 ms (BENCHMARKS.md, speed work).
        return Ok(stored_member(data));
    }
    if probe.len() == data.len() {
        // The probe was the whole chunk (a small package): its deflate stream is the member's,
        // no need to compress it a second time.
        return Ok(framed(XFL_FAST, &packed, data));
    }
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 2 + 64),
        flate2::Compression::fast(),
    );
    enc.write_all(data)?;
    enc.finish()
}

/// Payload of one stored deflate block (RFC 1951 §3.2.4: LEN is 16 bits).
const STORED_BLOCK: usize = 65_535;

/// The gzip header's XFL for a member deflated at the fastest level, as flate2 writes it.
const XFL_FAST: u8 = 4;

/// The gzip header (RFC 1952): magic, deflate, no flags, mtime 0 (reproducible), `xfl`, OS
/// unknown; as flate2 writes it.
fn header(xfl: u8) -> [u8; 10] {
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]
}

/// A gzip member around a raw deflate stream of `data`: header, stream, CRC-32 and size.
fn framed(xfl: u8, deflated: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 + deflated.len() + 8);
    out.extend_from_slice(&header(xfl));
    out.extend_from_slice(deflated);
    trailer(&mut out, data);
    out
}

/// CRC-32 and ISIZE, the size modulo 2^32 (a member holds one chunk, far below that).
fn trailer(out: &mut Vec<u8>, data: &[u8]) {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
}

/// A gzip member whose deflate stream is stored blocks: the bytes as they are, framed, with
/// their CRC-32 and size (RFC 1952).
fn stored_member(data: &[u8]) -> Vec<u8> {
    let blocks = data.len().div_ceil(STORED_BLOCK).max(1);
    let mut out = Vec::with_capacity(10 + blocks * 5 + data.len() + 8);
    out.extend_from_slice(&header(0));
    if data.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    let mut rest = data.chunks(STORED_BLOCK).peekable();
    while let Some(block) = rest.next() {
        let last = u8::from(rest.peek().is_none());
        // chunks() yields at most STORED_BLOCK (65,535) bytes, so the length fits in 16 bits.
        let len = block.len() as u16;
        out.push(last);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    trailer(&mut out, data);
    out
}

/// The parallel writer. Call [`ParallelGz::finish`]; dropping it loses the tail.
pub struct ParallelGz<W: Write> {
    out: W,
    buf: Vec<u8>,
    pending: VecDeque<JoinHandle<io::Result<Vec<u8>>>>,
    /// How many chunks may be compressed at once: the cores, asked once a second chunk exists.
    in_flight: Option<usize>,
    members: usize,
}

impl<W: Write> ParallelGz<W> {
    /// Compresses into `out` with one thread per available core.
    ///
    /// A package of one chunk (the usual YAML or `.defn` topology with its conf folder, tens of
    /// KiB) starts no thread, does not ask for the core count (cgroup files) and compresses once:
    /// all of that was a tenth of a millisecond-scale submit (issue 9).
    pub fn new(out: W) -> ParallelGz<W> {
        ParallelGz {
            out,
            // Grows with the first chunk; later chunks get the whole size at once.
            buf: Vec::new(),
            pending: VecDeque::new(),
            in_flight: None,
            members: 0,
        }
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let in_flight = *self.in_flight.get_or_insert_with(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        while self.pending.len() >= in_flight {
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
        // The last chunk on this thread, while the pending ones finish on theirs. An empty input
        // is still one valid (empty) gzip member.
        let last = if self.buf.is_empty() && self.members > 0 {
            None
        } else {
            Some(gzip_member(&std::mem::take(&mut self.buf))?)
        };
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        if let Some(member) = last {
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
    fn stored_members_are_exact_gzip() {
        for data in [
            Vec::new(),
            b"x".to_vec(),
            noise(STORED_BLOCK, 5),
            noise(CHUNK + 3, 9),
        ] {
            let gz = stored_member(&data);
            let blocks = data.len().div_ceil(STORED_BLOCK).max(1);
            assert_eq!(gz.len(), 18 + blocks * 5 + data.len());
            // One member alone: the single-member decoder must read it whole.
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, data);
        }
        // Noise takes the stored path, text does not.
        assert_eq!(
            gzip_member(&noise(CHUNK, 1)).unwrap().len(),
            stored_member(&noise(CHUNK, 1)).len()
        );
        assert!(gzip_member(&b"text ".repeat(100_000)).unwrap().len() < 10_000);
    }

    #[test]
    fn a_small_chunk_is_deflated_once_into_the_member_flate2_writes() {
        let data = b"heron.topology.name: wc\n".repeat(1_000);
        assert!(data.len() <= PROBE);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&data).unwrap();
        assert_eq!(gzip_member(&data).unwrap(), enc.finish().unwrap());
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
