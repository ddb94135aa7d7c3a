//! Benchmarks of the package builder (`heron_cli::topology::package::build`).
//!
//! Two modes, one binary (harness = false):
//! - `cargo bench -p heron-cli --bench package`: criterion times `build` of a generated 64 MiB
//!   package (already-compressed "jar" + a text conf folder), with throughput.
//! - `<bench binary> --build DEST TOPOLOGY DEFN CONF_DIR`: builds one package and exits, so
//!   `scripts/bench.sh` can time the builder as a whole process next to GNU tar and Python's
//!   tarfile (hyperfine) and take its peak RSS.
//! - `--build-single-thread ...`: the builder as it was before issue 9's speed work (the same tar
//!   stream through one `flate2` encoder at the fast level, then fsync), for the before/after
//!   figures of BENCHMARKS.md, measured in the same run.

use std::path::Path;
use std::process::ExitCode;

use criterion::{Criterion, Throughput};
use heron_cli::topology::package::{self, PackageInputs};

#[derive(Clone, Copy)]
enum Builder {
    /// `heron_cli::topology::package::build`, what `heron submit` runs.
    Current,
    /// The pre-issue-9 builder: one thread, fast level, fsync.
    SingleThread,
}

fn single_thread(inputs: &PackageInputs<'_>, dest: &Path) -> anyhow::Result<u64> {
    use std::io::Write as _;
    let file = std::fs::File::create(dest)?;
    let gz = flate2::write::GzEncoder::new(
        std::io::BufWriter::with_capacity(1 << 20, file),
        flate2::Compression::fast(),
    );
    let mut buf = package::write_tar(inputs, gz)?.finish()?;
    buf.flush()?;
    let file = buf.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(std::fs::metadata(dest)?.len())
}

fn build_once(
    builder: Builder,
    dest: &Path,
    topology: &Path,
    defn: &Path,
    conf: &Path,
) -> anyhow::Result<u64> {
    let defn_bytes = std::fs::read(defn)?;
    let defn_name = defn
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "topology.defn".into());
    let release = package::default_release_yaml();
    let inputs = PackageInputs {
        topology_file: topology,
        defn_name: &defn_name,
        defn: &defn_bytes,
        conf_dir: conf,
        override_yaml: b"",
        release_yaml: release.as_bytes(),
    };
    match builder {
        Builder::Current => package::build(&inputs, dest),
        Builder::SingleThread => single_thread(&inputs, dest),
    }
}

/// xorshift bytes: incompressible like a jar's deflated members, without a RNG dependency.
fn incompressible(n: usize) -> Vec<u8> {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

fn criterion_benches() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let jar = dir.path().join("topology.jar");
    let size = 64 << 20;
    std::fs::write(&jar, incompressible(size))?;
    let defn = dir.path().join("bench.defn");
    std::fs::write(&defn, incompressible(4096))?;
    let conf = dir.path().join("conf");
    std::fs::create_dir(&conf)?;
    for i in 0..10 {
        let text = format!("heron.some.key.{i}: value-{i}\n").repeat(200);
        std::fs::write(conf.join(format!("file{i}.yaml")), text)?;
    }
    let dest = dir.path().join("topology.tar.gz");

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(5))
        .configure_from_args();
    let mut group = c.benchmark_group("package");
    group.throughput(Throughput::Bytes(size as u64));
    for (name, builder) in [
        ("build_64MiB_incompressible_jar", Builder::Current),
        ("single_thread_before_issue_9", Builder::SingleThread),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| build_once(builder, &dest, &jar, &defn, &conf).map_err(|e| e.to_string()))
        });
    }
    group.finish();
    c.final_summary();
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let builder = match args.get(1).map(String::as_str) {
        Some("--build") => Some(Builder::Current),
        Some("--build-single-thread") => Some(Builder::SingleThread),
        _ => None,
    };
    if let Some(builder) = builder {
        let [_, _, dest, topology, defn, conf] = args.as_slice() else {
            eprintln!(
                "usage: package-bench --build|--build-single-thread DEST TOPOLOGY DEFN CONF_DIR"
            );
            return ExitCode::from(2);
        };
        return match build_once(
            builder,
            Path::new(dest),
            Path::new(topology),
            Path::new(defn),
            Path::new(conf),
        ) {
            Ok(size) => {
                println!("{size}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    match criterion_benches() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
