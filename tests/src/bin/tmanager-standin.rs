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

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use clap::{Parser, ValueEnum};
use heron_common::proto::{api, system, tmanager};
use prost::Message as _;
use serde::Serialize;

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

#[derive(Serialize)]
struct LogLine<'a> {
    ts_ms: u64,
    method: &'a str,
    path: &'a str,
    /// Query parameters in order, percent-decoded.
    query: &'a [(String, String)],
    status: u16,
    body: &'a str,
}

struct Reply {
    status: u16,
    /// Also the status line's reason phrase for errors, as libevent's error replies do.
    body: String,
}

impl Reply {
    fn ok(body: &str) -> Reply {
        Reply {
            status: 200,
            body: body.to_string(),
        }
    }
    fn err(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_string(),
        }
    }
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
                    if let Err(e) = serve(&server, stream) {
                        eprintln!("tmanager-standin: connection: {e:#}");
                    }
                });
            }
            Err(e) => eprintln!("tmanager-standin: accept: {e}"),
        }
    }
    Ok(())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The topology id from pplans/NAME, else topologies/NAME.
fn find_topology_id(root: &Path, name: &str) -> Result<String> {
    if let Some(pplan) = read_pplan(&root.join("pplans").join(name))? {
        return Ok(pplan.topology.id);
    }
    let path = root.join("topologies").join(name);
    match fs::read(&path) {
        Ok(bytes) if !bytes.is_empty() => {
            let topology = api::Topology::decode(bytes.as_slice()).map_err(|e| {
                anyhow::Error::new(BadInput(format!(
                    "{} is not a heron.proto.api.Topology: {e}",
                    path.display()
                )))
            })?;
            Ok(topology.id)
        }
        Ok(_) => Err(anyhow::Error::new(BadInput(format!(
            "{} is empty; pass --topology-id",
            path.display()
        )))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(anyhow::Error::new(BadInput(format!(
                "no physical plan or topology for {name} under {}; submit it first or pass --topology-id",
                root.display()
            ))))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// What the tmanager registers at start (localfs: a plain overwrite).
fn write_location(root: &Path, name: &str, id: &str, port: u16) -> Result<()> {
    let location = tmanager::TManagerLocation {
        topology_name: name.to_string(),
        topology_id: id.to_string(),
        host: "127.0.0.1".into(),
        controller_port: i32::from(port),
        // The stand-in has no stream-manager server port; 0 keeps the required field set.
        server_port: 0,
        stats_port: None,
    };
    write_atomic(
        &root.join("tmanagers").join(name),
        &location.encode_to_vec(),
    )
}

fn read_pplan(path: &Path) -> Result<Option<system::PhysicalPlan>> {
    match fs::read(path) {
        // Heron's localfs state manager reads an empty file as "no node".
        Ok(bytes) if bytes.is_empty() => Ok(None),
        Ok(bytes) => system::PhysicalPlan::decode(bytes.as_slice())
            .map(Some)
            .with_context(|| {
                format!(
                    "{} is not a heron.proto.system.PhysicalPlan",
                    path.display()
                )
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path
        .parent()
        .with_context(|| format!("{} has no parent directory", path.display()))?;
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.tmp.{}", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

fn serve(server: &Server, stream: TcpStream) -> Result<()> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .context("cannot set a read timeout")?;
    let mut reader = BufReader::new(stream.try_clone().context("cannot clone the socket")?);
    let mut request_line = String::new();
    reader
        .read_line(&mut request_line)
        .context("cannot read the request line")?;
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .context("cannot read a header")?;
        if n == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    if content_length > 0 {
        // Bodies are not used; read and drop them (bounded) so the client sees a clean reply.
        let mut body = vec![0u8; content_length.min(1 << 20)];
        let _ = reader.read_exact(&mut body);
    }

    let mut parts = request_line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m.to_string(), t.to_string()),
        _ => {
            respond(&stream, &Reply::err(400, "Bad Request"))?;
            return Ok(());
        }
    };
    let (path, query_text) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let path = percent_decode(path);
    let query = parse_query(query_text);
    let reply = handle(server, &path, &query);

    if let Some(log) = &server.log {
        let line = LogLine {
            ts_ms: now_ms(),
            method: &method,
            path: &path,
            query: &query,
            status: reply.status,
            body: &reply.body,
        };
        let mut text = serde_json::to_string(&line).context("cannot serialize a log line")?;
        text.push('\n');
        let mut file = log
            .lock()
            .map_err(|_| anyhow::anyhow!("log lock poisoned"))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.flush())
            .context("cannot write the log file")?;
    }
    respond(&stream, &reply)
}

fn respond(mut stream: &TcpStream, reply: &Reply) -> Result<()> {
    let reason = if reply.status == 200 {
        "OK".to_string()
    } else if reply.body.is_empty() {
        standard_reason(reply.status).to_string()
    } else {
        reply.body.replace(['\r', '\n'], " ")
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(reply.body.as_bytes()))
        .and_then(|()| stream.flush())
        .context("cannot send the reply")
}

fn standard_reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Error",
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` decoding (a `+` stays a `+`, as in Heron's own decoder).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn first<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn handle(server: &Server, path: &str, query: &[(String, String)]) -> Reply {
    let endpoint = match path {
        "/activate"
        | "/deactivate"
        | "/runtime_config/update"
        | "/clean_all_stateful_checkpoints" => path,
        _ => return Reply::err(404, "Not Supported"),
    };
    match first(query, "topologyid") {
        None | Some("") => return Reply::err(400, "Missing 'topologyid' argument in the request"),
        Some(id) if id != server.topology_id => {
            return Reply::err(400, "Topology id does not match");
        }
        Some(_) => {}
    }
    let mut store = match server.store.lock() {
        Ok(s) => s,
        Err(_) => return Reply::err(500, "state lock poisoned"),
    };
    // Load the current plan (or the in-memory state).
    let mut pplan = match &*store {
        Store::Memory { .. } => None,
        Store::LocalFs { pplan } => match read_pplan(pplan) {
            Ok(Some(p)) => Some(p),
            Ok(_) => {
                return Reply::err(
                    500,
                    "Tmanager still not initialized (physical plan is not available)",
                );
            }
            Err(e) => return Reply::err(500, &format!("cannot read the physical plan: {e:#}")),
        },
    };
    let current = match (&*store, &pplan) {
        (Store::Memory { state }, _) => *state,
        (_, Some(p)) => {
            api::TopologyState::try_from(p.topology.state).unwrap_or(api::TopologyState::Killed)
        }
        (_, None) => api::TopologyState::Killed,
    };

    let (new_state, ok_body) = match endpoint {
        "/activate" => {
            if current != api::TopologyState::Paused {
                return Reply::err(400, "");
            }
            (
                Some(api::TopologyState::Running),
                "Topology successfully activated",
            )
        }
        "/deactivate" => {
            if current != api::TopologyState::Running {
                return Reply::err(400, "");
            }
            (
                Some(api::TopologyState::Paused),
                "Topology successfully deactivated",
            )
        }
        "/clean_all_stateful_checkpoints" => (None, "Checkpoints successfully cleaned"),
        _ => {
            let configs = match parse_runtime_configs(query) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            if let Some(p) = &pplan
                && !components_exist(p, &configs)
            {
                return Reply::err(400, "Failed to validate runtime configs");
            }
            if server.fail {
                return Reply::err(500, "Failed to update runtime configs");
            }
            if let Some(p) = pplan.as_mut() {
                apply_runtime_configs(p, &configs);
            }
            (None, "Runtime config updated")
        }
    };
    if server.fail {
        return Reply::err(500, "");
    }
    if let Some(state) = new_state {
        match (&mut *store, pplan.as_mut()) {
            (Store::Memory { state: s }, _) => *s = state,
            (_, Some(p)) => p.topology.state = state as i32,
            (_, None) => {}
        }
    }
    if let (Store::LocalFs { pplan: path }, Some(p)) = (&*store, &pplan)
        && (new_state.is_some() || endpoint == "/runtime_config/update")
        && let Err(e) = write_atomic(path, &p.encode_to_vec())
    {
        return Reply::err(500, &format!("cannot write the physical plan: {e:#}"));
    }
    Reply::ok(ok_body)
}

/// The reserved "component" name for topology-level runtime configs.
const TOPOLOGY_LEVEL: &str = "";

type RuntimeConfigs = BTreeMap<String, BTreeMap<String, String>>;

fn parse_runtime_configs(query: &[(String, String)]) -> std::result::Result<RuntimeConfigs, Reply> {
    let values: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "runtime-config")
        .map(|(_, v)| v.as_str())
        .collect();
    if values.is_empty() {
        return Err(Reply::err(
            400,
            "No runtime config is found. Usage: runtime-config=[COMPONENT:]<CONFIG>:<VALUE>.",
        ));
    }
    let mut out = RuntimeConfigs::new();
    for v in values {
        let segments: Vec<&str> = v.split(':').collect();
        let (component, key, value) = match segments.as_slice() {
            [k, v] => (TOPOLOGY_LEVEL, *k, *v),
            [c, k, v] => (*c, *k, *v),
            _ => {
                return Err(Reply::err(
                    400,
                    "Failed to parse runtime configs. Possibly bad format. The expected format is [COMPONENT:]<CONFIG>:<VALUE>.",
                ));
            }
        };
        out.entry(component.to_string())
            .or_default()
            .insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

fn components_exist(pplan: &system::PhysicalPlan, configs: &RuntimeConfigs) -> bool {
    let t = &pplan.topology;
    configs
        .keys()
        .filter(|c| c.as_str() != TOPOLOGY_LEVEL)
        .all(|c| {
            t.spouts.iter().any(|s| &s.comp.name == c) || t.bolts.iter().any(|b| &b.comp.name == c)
        })
}

/// Heron stores runtime configs as `KEY:runtime` entries (updated in place, else appended).
fn apply_runtime_configs(pplan: &mut system::PhysicalPlan, configs: &RuntimeConfigs) {
    let t = &mut pplan.topology;
    for (component, kvs) in configs {
        if component == TOPOLOGY_LEVEL {
            // The real tmanager only updates an existing topology config.
            if let Some(config) = t.topology_config.as_mut() {
                upsert(config, kvs);
            }
        } else {
            for comp in t
                .spouts
                .iter_mut()
                .map(|s| &mut s.comp)
                .chain(t.bolts.iter_mut().map(|b| &mut b.comp))
                .filter(|c| &c.name == component)
            {
                upsert(&mut comp.config, kvs);
            }
        }
    }
}

fn upsert(config: &mut api::Config, kvs: &BTreeMap<String, String>) {
    for (key, value) in kvs {
        let key = format!("{key}:runtime");
        match config.kvs.iter_mut().find(|kv| kv.key == key) {
            Some(kv) => kv.value = Some(value.clone()),
            None => config.kvs.push(api::config::KeyValue {
                key,
                value: Some(value.clone()),
                serialized_value: None,
                r#type: None,
            }),
        }
    }
}
