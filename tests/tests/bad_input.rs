//! The bad-input corpus: every folder under `tests/corpus/` is one case (a command of one of the
//! binaries, its input files, the exit code and message fragments a user must get). One table-driven
//! test runs them all and reports every failing case by name.
//!
//! A case folder holds `case.txt` (format below) and the input files it names. Each run gets a fresh
//! scratch folder: the case folder is copied to `{case}`, and `{conf}` is a config root whose
//! `devcluster/` is the repo's Heron-format aurora fixture with the local-disk uploader and state manager (state
//! and packages inside the scratch folder), so no service is needed and nothing outside is touched.
//!
//! `case.txt`, one `key: value` per line (`#` starts a comment line):
//! - `bin:` the binary (`heron`, `heron-uploader`, `heron-statemgr`, `heron-aurora-render`);
//! - `args:` arguments, split on spaces, `'single quoted'` keeps spaces; repeatable (appended);
//!   `{case}`, `{conf}`, `{tmp}` are replaced by the case copy, the config root and the scratch root;
//! - `stdin:` a file of the case fed on stdin (else stdin is empty);
//! - `env:` `K=V` for the child (repeatable);
//! - `conf:` a file of the case copied over `{conf}/devcluster/<same name>` (repeatable);
//! - `generate:` `FILE KIND SIZE` writes a big input at run time instead of committing it, KIND one of
//!   `random` (seeded bytes), `yaml-long-value`, `yaml-deep-nesting`, `yaml-many-keys`, `python-unclosed`,
//!   `tar-gz-bomb` (a `.tar.gz` whose one entry `t.jar` is SIZE zero bytes: tiny packed, huge unpacked);
//! - `exit:` the expected exit code;
//! - `stderr:` a fragment stderr must contain (repeatable; all must appear);
//! - `timeout:` seconds before the case counts as hung (default 60);
//! - `bug:` an open defect this case shows (what is wrong, in which crate). The case still runs
//!   and must still fail its expectation; the test lists it as an open bug, and fails once the
//!   case passes so that the `bug:` line is removed (the expectation itself is never relaxed).
//!
//! Every case also checks what holds for all bad input: no panic, no signal death, an `error` line on
//! stderr, and nothing on stdout.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use heron_tests::{TestDir, bin, command, heron_conf, repo_root};

#[derive(Debug, Default)]
struct Case {
    dir: PathBuf,
    bin: String,
    args: Vec<String>,
    stdin: Option<String>,
    env: Vec<(String, String)>,
    conf: Vec<String>,
    generate: Vec<(String, String, usize)>,
    exit: Option<i32>,
    stderr: Vec<String>,
    timeout: u64,
    bug: Option<String>,
}

/// Splits on spaces; `'...'` keeps spaces inside one argument.
fn split_args(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                in_quote = !in_quote;
                any = true;
            }
            ' ' if !in_quote => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            _ => {
                cur.push(c);
                any = true;
            }
        }
    }
    if in_quote {
        return Err(format!("unbalanced quote in `{line}`"));
    }
    if any {
        out.push(cur);
    }
    Ok(out)
}

fn parse_size(text: &str) -> Result<usize, String> {
    let (num, mult) = match text.chars().last() {
        Some('K') => (&text[..text.len() - 1], 1 << 10),
        Some('M') => (&text[..text.len() - 1], 1 << 20),
        _ => (text, 1),
    };
    num.parse::<usize>()
        .map(|n| n * mult)
        .map_err(|e| format!("bad size `{text}`: {e}"))
}

fn parse_case(dir: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(dir.join("case.txt"))
        .map_err(|e| format!("cannot read case.txt: {e}"))?;
    let mut case = Case {
        dir: dir.to_path_buf(),
        timeout: 60,
        ..Case::default()
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line {}: expected `key: value`", i + 1));
        };
        let value = value.trim();
        match key.trim() {
            "bin" => case.bin = value.to_string(),
            "args" => case.args.extend(split_args(value)?),
            "stdin" => case.stdin = Some(value.to_string()),
            "env" => {
                let (k, v) = value
                    .split_once('=')
                    .ok_or_else(|| format!("line {}: env needs K=V", i + 1))?;
                case.env.push((k.to_string(), v.to_string()));
            }
            "conf" => case.conf.push(value.to_string()),
            "generate" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                let [file, kind, size] = parts.as_slice() else {
                    return Err(format!("line {}: generate needs FILE KIND SIZE", i + 1));
                };
                case.generate
                    .push((file.to_string(), kind.to_string(), parse_size(size)?));
            }
            "exit" => {
                case.exit = Some(
                    value
                        .parse()
                        .map_err(|e| format!("line {}: exit: {e}", i + 1))?,
                )
            }
            "stderr" => case.stderr.push(value.to_string()),
            "bug" => case.bug = Some(value.to_string()),
            "timeout" => {
                case.timeout = value
                    .parse()
                    .map_err(|e| format!("line {}: timeout: {e}", i + 1))?
            }
            other => return Err(format!("line {}: unknown key `{other}`", i + 1)),
        }
    }
    if case.bin.is_empty() {
        return Err("no `bin:`".to_string());
    }
    if case.exit.is_none() {
        return Err("no `exit:`".to_string());
    }
    if case.stderr.is_empty() {
        return Err(
            "no `stderr:` fragment: a case must say what message the user gets".to_string(),
        );
    }
    Ok(case)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Deterministic pseudo-random bytes (xorshift), so a generated case is the same on every run.
fn random_bytes(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn generate(kind: &str, size: usize) -> Result<Vec<u8>, String> {
    Ok(match kind {
        "random" => random_bytes(size),
        // One key whose value is `size` bytes long.
        "yaml-long-value" => {
            let mut v = b"heron.statemgr.root.path: ".to_vec();
            v.extend(std::iter::repeat_n(b'a', size));
            v.push(b'\n');
            v
        }
        // `size` levels of flow sequences: `k: [[[[...]]]]`.
        "yaml-deep-nesting" => {
            let mut v = b"k: ".to_vec();
            v.extend(std::iter::repeat_n(b'[', size));
            v.extend(std::iter::repeat_n(b']', size));
            v.push(b'\n');
            v
        }
        // Distinct keys until the file has `size` bytes.
        "yaml-many-keys" => {
            let mut v = Vec::with_capacity(size + 64);
            let mut i = 0u64;
            while v.len() < size {
                v.extend(format!("key.number.{i}: value {i}\n").as_bytes());
                i += 1;
            }
            v
        }
        // `jobs = [` never closed, then `size` bytes of one long line: no valid Python.
        "python-unclosed" => {
            let mut v = b"jobs = [\n".to_vec();
            v.extend(std::iter::repeat_n(b'a', size));
            v.push(b'\n');
            v
        }
        // One tar entry `t.jar` of `size` zeros, gzipped (about 1,000 times smaller).
        "tar-gz-bomb" => {
            let mut header = [0u8; 512];
            header[..5].copy_from_slice(b"t.jar");
            header[100..108].copy_from_slice(b"0000644\0");
            header[108..116].copy_from_slice(b"0000000\0");
            header[116..124].copy_from_slice(b"0000000\0");
            header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
            header[136..148].copy_from_slice(b"00000000000\0");
            header[156] = b'0';
            header[257..263].copy_from_slice(b"ustar\0");
            header[263..265].copy_from_slice(b"00");
            // The checksum is summed with its own field as spaces.
            header[148..156].copy_from_slice(b"        ");
            let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
            header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let zeros = vec![0u8; 1 << 20];
            let padded = size.div_ceil(512) * 512 + 1024; // data, its padding, the end blocks
            let write = |gz: &mut flate2::write::GzEncoder<Vec<u8>>, b: &[u8]| {
                gz.write_all(b).map_err(|e| e.to_string())
            };
            write(&mut gz, &header)?;
            let mut left = padded;
            while left > 0 {
                let n = left.min(zeros.len());
                write(&mut gz, &zeros[..n])?;
                left -= n;
            }
            gz.finish().map_err(|e| e.to_string())?
        }
        other => return Err(format!("unknown generate kind `{other}`")),
    })
}

fn expand(text: &str, case: &Path, conf: &Path, tmp: &Path) -> String {
    text.replace("{case}", &case.to_string_lossy())
        .replace("{conf}", &conf.to_string_lossy())
        .replace("{tmp}", &tmp.to_string_lossy())
}

/// A config root with `devcluster/` = the Heron-format aurora fixture on local disk.
fn make_conf(root: &Path) -> PathBuf {
    let conf = root.join("conf");
    let cluster = conf.join("devcluster");
    copy_dir(&heron_conf::fixture("aurora"), &cluster);
    std::fs::write(
        cluster.join("uploader.yaml"),
        format!(
            "heron.class.uploader: org.apache.heron.uploader.localfs.LocalFileSystemUploader\n\
             heron.uploader.localfs.file.system.directory: {}/pkgs/${{CLUSTER}}/${{ROLE}}/${{TOPOLOGY}}\n",
            root.display()
        ),
    )
    .unwrap();
    std::fs::write(
        cluster.join("statemgr.yaml"),
        format!(
            "heron.class.state.manager: org.apache.heron.statemgr.localfs.LocalFileSystemStateManager\n\
             heron.statemgr.connection.string: LOCALMODE\n\
             heron.statemgr.root.path: {}/state\n\
             heron.statemgr.localfs.is.initialize.file.tree: True\n",
            root.display()
        ),
    )
    .unwrap();
    conf
}

/// Runs one case; `Err` says what went wrong, with the command's output.
fn run_case(case: &Case) -> Result<(), String> {
    let scratch = TestDir::new();
    let tmp = scratch.path().to_path_buf();
    let work = tmp.join("case");
    copy_dir(&case.dir, &work);
    let conf = make_conf(&tmp);
    for (file, kind, size) in &case.generate {
        std::fs::write(work.join(file), generate(kind, *size)?)
            .map_err(|e| format!("generate {file}: {e}"))?;
    }
    for file in &case.conf {
        std::fs::copy(work.join(file), conf.join("devcluster").join(file))
            .map_err(|e| format!("conf: {file}: {e}"))?;
    }
    let home = tmp.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let aurora_state = tmp.join("aurora-state");
    std::fs::create_dir_all(&aurora_state).unwrap();

    let mut cmd: Command = command(bin(&case.bin));
    cmd.args(case.args.iter().map(|a| expand(a, &work, &conf, &tmp)))
        .env("HOME", &home)
        .env("HERON_AURORA_BIN", bin("aurora"))
        .env("AURORA_STANDIN_STATE_DIR", &aurora_state)
        .env_remove("HERON_OPTIONS")
        .env_remove("HERON_ZK_AUTH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &case.env {
        cmd.env(k, expand(v, &work, &conf, &tmp));
    }
    let stdin_data = match &case.stdin {
        Some(f) => std::fs::read(work.join(f)).map_err(|e| format!("stdin {f}: {e}"))?,
        None => Vec::new(),
    };
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let mut stdin = child.stdin.take();
    let feeder = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            // The program may exit before reading everything: a broken pipe is fine.
            let _ = s.write_all(&stdin_data);
        }
    });
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > Duration::from_secs(case.timeout) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "hung: still running after {} s: {cmd:?}",
                case.timeout
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = feeder.join();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    let shown = |why: String| {
        let mut err = stderr.clone();
        if err.len() > 3000 {
            err.truncate(err.floor_char_boundary(3000));
            err.push_str("...");
        }
        let mut out = stdout.clone();
        out.truncate(out.floor_char_boundary(1000));
        format!(
            "{why}\n    command: {} {}\n    status: {status}\n    stdout: {out}\n    stderr: {err}",
            case.bin,
            case.args.join(" ")
        )
    };
    let Some(code) = status.code() else {
        return Err(shown("killed by a signal".to_string()));
    };
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Err(shown("panicked".to_string()));
    }
    if Some(code) != case.exit {
        return Err(shown(format!(
            "exit code {code}, expected {}",
            case.exit.unwrap_or_default()
        )));
    }
    if !stderr.to_lowercase().contains("error") {
        return Err(shown("no `error` on stderr".to_string()));
    }
    for frag in &case.stderr {
        let frag = expand(frag, &work, &conf, &tmp);
        if !stderr.contains(&frag) {
            return Err(shown(format!("stderr lacks `{frag}`")));
        }
    }
    if !stdout.trim().is_empty() {
        return Err(shown("stdout is not empty on failure".to_string()));
    }
    Ok(())
}

fn corpus_cases() -> Vec<PathBuf> {
    let root = repo_root().join("tests").join("corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.txt").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn corpus_has_at_least_60_cases_over_every_binary() {
    let cases = corpus_cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut per_bin: BTreeMap<String, usize> = BTreeMap::new();
    for dir in &cases {
        let case = parse_case(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        *per_bin.entry(case.bin).or_default() += 1;
    }
    for b in [
        "heron",
        "heron-uploader",
        "heron-statemgr",
        "heron-aurora-render",
    ] {
        assert!(per_bin.get(b).copied().unwrap_or(0) >= 5, "{per_bin:?}");
    }
}

/// `HERON_CORPUS_CASE=substring` runs only the matching cases (for working on one).
#[test]
fn every_bad_input_gets_a_clear_message_and_its_exit_code() {
    let only = std::env::var("HERON_CORPUS_CASE").ok();
    let mut failures = Vec::new();
    let mut open_bugs = Vec::new();
    let mut ran = 0;
    for dir in corpus_cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        ran += 1;
        let case = match parse_case(&dir) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("[{name}] bad case.txt: {e}"));
                continue;
            }
        };
        match (run_case(&case), &case.bug) {
            (Ok(()), None) => {}
            (Err(e), None) => failures.push(format!("[{name}] {e}")),
            (Err(e), Some(bug)) => open_bugs.push(format!("[{name}] {bug}\n    {e}")),
            (Ok(()), Some(bug)) => failures.push(format!(
                "[{name}] passes now: remove its `bug: {bug}` line from case.txt"
            )),
        }
    }
    eprintln!(
        "bad-input corpus: {ran} cases, {} failed, {} open bugs",
        failures.len(),
        open_bugs.len()
    );
    for b in &open_bugs {
        eprintln!("open bug {b}");
    }
    assert!(ran > 0, "no case ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} corpus cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
