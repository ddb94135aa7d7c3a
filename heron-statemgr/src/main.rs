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
    use tracing::Level;
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    // The ZooKeeper client logs every refused host at warn level: only show that with --verbose.
    // Targets not named stay silent. A fixed list of targets, not an `EnvFilter` (which parses
    // directives and tracks spans at every start, for filters this binary never uses).
    let filter = if verbose {
        Targets::new()
            .with_target("heron_statemgr", Level::DEBUG)
            .with_target("zookeeper_client", Level::INFO)
    } else {
        Targets::new().with_target("heron_statemgr", Level::WARN)
    };
    // Colour codes only on a terminal: a log captured through a pipe or a file stays plain text.
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time();
    let _ = tracing_subscriber::registry()
        .with(output)
        .with(filter)
        .try_init();
}

/// `heron-statemgr --generate KIND` (hidden; scripts/package.sh uses it).
fn generate(kind: Option<&str>) -> u8 {
    use clap::CommandFactory as _;
    heron_common::generate::print(Cli::command(), "heron-statemgr", kind)
}
