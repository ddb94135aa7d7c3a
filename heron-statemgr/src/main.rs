//! `heron-statemgr`: reads and writes Heron topology state from the command line.
//! Parsing and dispatch live in the library (`heron_statemgr::cli`); this only sets up the runtime.

use clap::Parser;
use heron_statemgr::cli::{Cli, main_with};

fn main() {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "--generate")
    {
        let kind = std::env::args_os().nth(2);
        std::process::exit(i32::from(generate(
            kind.as_deref().and_then(|k| k.to_str()),
        )));
    }
    let cli = Cli::parse();
    init_tracing(cli.common.verbose);
    // One thread is plenty for one short conversation with ZooKeeper, and starts fastest.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(main_with(cli));
    // Exit without waiting for the runtime's blocking stdin reader (`lock`).
    std::process::exit(i32::from(code.code()));
}

fn init_tracing(verbose: bool) {
    // The ZooKeeper client logs every refused host at warn level: only show that with --verbose.
    let filter = if verbose {
        "heron_statemgr=debug,zookeeper_client=info"
    } else {
        "heron_statemgr=warn,zookeeper_client=off"
    };
    // Colour codes only on a terminal: a log captured through a pipe or a file stays plain text.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_target(false)
        .without_time()
        .try_init();
}

/// `heron-statemgr --generate KIND` (hidden; scripts/package.sh uses it): shell completions or the man
/// page, printed from this binary's own clap definition.
fn generate(kind: Option<&str>) -> u8 {
    use clap::CommandFactory as _;
    use clap_complete::Shell;
    use std::io::Write as _;
    let shell = match kind {
        Some("complete-bash") => Some(Shell::Bash),
        Some("complete-zsh") => Some(Shell::Zsh),
        Some("complete-fish") => Some(Shell::Fish),
        Some("man") => None,
        other => {
            eprintln!(
                "error: --generate needs one of complete-bash, complete-zsh, complete-fish, man (got {:?})",
                other.unwrap_or("nothing")
            );
            return heron_common::ExitCode::BadInput.code();
        }
    };
    let mut command = Cli::command();
    let mut text = Vec::new();
    let rendered = match shell {
        Some(shell) => {
            clap_complete::generate(shell, &mut command, "heron-statemgr", &mut text);
            Ok(())
        }
        None => clap_mangen::Man::new(command).render(&mut text),
    };
    match rendered.and_then(|()| std::io::stdout().write_all(&text)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: cannot write the --generate output: {e}");
            heron_common::ExitCode::Failed.code()
        }
    }
}
