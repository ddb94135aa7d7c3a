//! The floor of the stage chain, for scripts/bench.sh only (never part of the product): one tiny
//! program that answers `heron submit` as each stage would, doing nothing else. Built by bench.sh
//! with `rustc -O -C target-feature=+crt-static` (no crates, no dynamic loader) and run under four
//! names, which pick the stage (docs/stage-contract.md):
//!
//! - `floor-statemgr exists ...`: exit 3 (absent); `floor-statemgr create ...`: reads the
//!   SubmitState document from stdin, exit 0;
//! - `floor-uploader upload ...`: prints a fixed UploadResult;
//! - `floor-render ... --values - -o FILE`: reads the values from stdin, writes a fixed job file;
//! - `floor-aurora job create ...`: exit 0.
//!
//! So `heron submit` with these stages costs heron's own work plus one process start per stage:
//! what the design (separate, replaceable stage programs) cannot go below.

use std::io::{Read, Write};
use std::process::ExitCode;

fn drain_stdin() {
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let me = args
        .first()
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or("")
        .to_string();
    let has = |word: &str| args.iter().skip(1).any(|a| a == word);
    match me.as_str() {
        "floor-statemgr" if has("exists") => ExitCode::from(3),
        "floor-statemgr" if has("create") => {
            drain_stdin();
            ExitCode::SUCCESS
        }
        "floor-uploader" if has("upload") => {
            let answer = concat!(
                r#"{"uri":"file:///floor/topology.tar.gz","size":1,"#,
                r#""sha256":"0000000000000000000000000000000000000000000000000000000000000000","#,
                r#""backend":"localfs","elapsed_ms":0,"uploaded":true}"#,
                "\n"
            );
            let _ = std::io::stdout().write_all(answer.as_bytes());
            ExitCode::SUCCESS
        }
        "floor-render" => {
            drain_stdin();
            let out = args.windows(2).find(|w| w[0] == "-o").map(|w| w[1].clone());
            match out {
                Some(path) => match std::fs::write(&path, "jobs = []\n") {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: cannot write {path}: {e}");
                        ExitCode::from(1)
                    }
                },
                None => {
                    let _ = std::io::stdout().write_all(b"jobs = []\n");
                    ExitCode::SUCCESS
                }
            }
        }
        "floor-aurora" if has("job") => ExitCode::SUCCESS,
        _ => {
            eprintln!("error: {me}: not a step of heron submit: {:?}", &args[1..]);
            ExitCode::from(2)
        }
    }
}
