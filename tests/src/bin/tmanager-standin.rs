//! `tmanager-standin`: a TEST STAND-IN for the HTTP controller of Heron's tmanager. It is not a
//! tmanager: it runs no topology.
//!
//! `heron activate|deactivate|update --runtime-config` talk to the tmanager's controller port
//! (heron-aurora.md §5.2). In tests there is no running topology, so this small HTTP/1.1 server
//! answers those endpoints with the real tmanager's status codes and messages
//! (`heron/tmanager/src/cpp/manager/tcontroller.cpp`), logs every request as a JSON line, and,
//! given a local-filesystem state root, does what the tmanager does to the state: writes its
//! location to `tmanagers/<topology>` and rewrites the physical plan in `pplans/<topology>` on
//! activate, deactivate and runtime-config updates. See docs/aurora-standin.md.
//!
//! Layout: `tmanager-standin/http.rs` reads requests and writes replies and the request log,
//! `tmanager-standin/controller.rs` answers the endpoints (state changes, runtime configs),
//! `tmanager-standin/state.rs` the local-filesystem state it reads and writes, `shared/files.rs`
//! the atomic writes and clock shared with `aurora`; this file is the command line and the accept
//! loop.

// A binary's root module looks for modules next to itself; these live in `tmanager-standin/`.
#[path = "tmanager-standin/controller.rs"]
mod controller;
#[path = "shared/files.rs"]
mod files;
#[path = "tmanager-standin/http.rs"]
mod http;
#[path = "tmanager-standin/state.rs"]
mod state;

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result};
use clap::{Parser, ValueEnum};
use heron_common::proto::api;

use state::{find_topology_id, write_location};

const AFTER_HELP: &str = "\
This is a TEST STAND-IN, not Heron's tmanager. It serves the controller endpoints heron uses:
  GET /activate?topologyid=ID                     200, or 400 when not PAUSED
  GET /deactivate?topologyid=ID                   200, or 400 when not RUNNING
  GET /runtime_config/update?topologyid=ID&runtime-config=[COMP:]KEY:VALUE&...
  GET /clean_all_stateful_checkpoints?topologyid=ID
Like the real tmanager: a missing topologyid or a different one is 400, an unknown path is 404,
no physical plan (with --statemgr-root) is 500. --fail makes valid requests answer 500.
It prints `LISTENING <port>` on stdout once it accepts connections and serves until killed.

With --statemgr-root DIR --topology NAME (a local-filesystem state root, Heron's layout), it
writes its location to DIR/tmanagers/NAME at start and keeps the topology state in
DIR/pplans/NAME: activate/deactivate rewrite it (RUNNING/PAUSED), runtime-config updates add
`KEY:runtime` entries, as the real tmanager does. Without it, the state lives in memory
(--initial-state).

Examples:
  tmanager-standin --topology-id wc-1234 --log /tmp/tm.log
  tmanager-standin --statemgr-root /tmp/state --topology wc --log /tmp/tm.log --exit-on-stdin-eof
  curl 'http://127.0.0.1:PORT/deactivate?topologyid=wc-1234'";

#[derive(Parser, Debug)]
#[command(
    name = "tmanager-standin",
    version,
    about = "TEST STAND-IN for the HTTP controller of Heron's tmanager (this is NOT a tmanager)",
    after_help = AFTER_HELP
)]
struct Cli {
    /// Port to listen on, on 127.0.0.1 (0: any free port; see the LISTENING line).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The topology id requests must carry. Default with --statemgr-root: the id in the physical
    /// plan, else in topologies/NAME.
    #[arg(long)]
    topology_id: Option<String>,
    /// Append one JSON line per request to this file.
    #[arg(long)]
    log: Option<PathBuf>,
    /// Answer every valid request with 500, as a tmanager that cannot write its state.
    #[arg(long)]
    fail: bool,
    /// Local-filesystem state root (Heron's layout) whose pplans/NAME the stand-in rewrites.
    #[arg(long, requires = "topology")]
    statemgr_root: Option<PathBuf>,
    /// Topology name (with --statemgr-root).
    #[arg(long, requires = "statemgr_root")]
    topology: Option<String>,
    /// Topology state at start when there is no --statemgr-root.
    #[arg(long, value_enum, default_value_t = InitialState::Running)]
    initial_state: InitialState,
    /// Exit when stdin reaches end of file (so a test's child dies with the test).
    #[arg(long)]
    exit_on_stdin_eof: bool,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
#[value(rename_all = "UPPER")]
enum InitialState {
    Running,
    Paused,
}

/// Where the topology state lives.
enum Store {
    Memory { state: api::TopologyState },
    LocalFs { pplan: PathBuf },
}

struct Server {
    topology_id: String,
    fail: bool,
    store: Mutex<Store>,
    log: Option<Mutex<File>>,
}
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: tmanager-standin: {e:#}");
            // heron_common::ExitCode: 2 for bad input (arguments, state files), 1 otherwise.
            let bad_input = e.chain().any(|c| c.is::<BadInput>());
            ExitCode::from(if bad_input { 2 } else { 1 })
        }
    }
}

#[derive(Debug)]
struct BadInput(String);
impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

fn run() -> Result<()> {
    let cli = Cli::parse();
    let listener = TcpListener::bind(("127.0.0.1", cli.port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", cli.port))?;
    let port = listener
        .local_addr()
        .context("cannot read the listening address")?
        .port();

    let (store, topology_id) = match (&cli.statemgr_root, &cli.topology) {
        (Some(root), Some(name)) => {
            let id = match &cli.topology_id {
                Some(id) => id.clone(),
                None => find_topology_id(root, name)?,
            };
            write_location(root, name, &id, port)?;
            let pplan = root.join("pplans").join(name);
            (Store::LocalFs { pplan }, id)
        }
        _ => {
            let Some(id) = cli.topology_id.clone() else {
                return Err(anyhow::Error::new(BadInput(
                    "--topology-id is required without --statemgr-root".into(),
                )));
            };
            let state = match cli.initial_state {
                InitialState::Running => api::TopologyState::Running,
                InitialState::Paused => api::TopologyState::Paused,
            };
            (Store::Memory { state }, id)
        }
    };
    let log = match &cli.log {
        Some(path) => Some(Mutex::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open the log file {}", path.display()))?,
        )),
        None => None,
    };
    let server = Arc::new(Server {
        topology_id,
        fail: cli.fail,
        store: Mutex::new(store),
        log,
    });

    if cli.exit_on_stdin_eof {
        std::thread::spawn(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().lock().read_to_end(&mut sink);
            std::process::exit(0);
        });
    }

    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "LISTENING {port}").context("cannot write to stdout")?;
        out.flush().context("cannot write to stdout")?;
    }

    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                let server = Arc::clone(&server);
                std::thread::spawn(move || {
                    if let Err(e) = http::serve(&server, stream) {
                        eprintln!("tmanager-standin: connection: {e:#}");
                    }
                });
            }
            Err(e) => eprintln!("tmanager-standin: accept: {e}"),
        }
    }
    Ok(())
}
