//! `--generate KIND`, the hidden option every binary has (scripts/package.sh uses it): shell
//! completions or the man page, rendered from the binary's own clap definition.
//!
//! Behind the `generate` feature so that the library itself stays free of clap; each binary
//! enables it and passes its `Command`.

use std::io::Write as _;

use clap_complete::Shell;

use crate::ExitCode;

/// The kinds `--generate` accepts.
pub const KINDS: [&str; 4] = ["complete-bash", "complete-zsh", "complete-fish", "man"];

/// Writes `kind` for `command` (installed as `bin_name`) to stdout; returns the exit code
/// (2 for an unknown or missing kind, 1 when stdout cannot be written).
pub fn print(mut command: clap::Command, bin_name: &str, kind: Option<&str>) -> u8 {
    let shell = match kind {
        Some("complete-bash") => Some(Shell::Bash),
        Some("complete-zsh") => Some(Shell::Zsh),
        Some("complete-fish") => Some(Shell::Fish),
        Some("man") => None,
        other => {
            eprintln!(
                "error: --generate needs one of {} (got {:?})",
                KINDS.join(", "),
                other.unwrap_or("nothing")
            );
            return ExitCode::BadInput.code();
        }
    };
    let mut text = Vec::new();
    let rendered = match shell {
        Some(shell) => {
            clap_complete::generate(shell, &mut command, bin_name, &mut text);
            Ok(())
        }
        None => clap_mangen::Man::new(command).render(&mut text),
    };
    match rendered.and_then(|()| std::io::stdout().write_all(&text)) {
        Ok(()) => ExitCode::Ok.code(),
        Err(e) => {
            eprintln!("error: cannot write the --generate output: {e}");
            ExitCode::Failed.code()
        }
    }
}
