//! `heron-uploader`: stores a topology package where Aurora fetches it and prints its URI.
//! The work is in the `heron_uploader` library; this file is the CLI (docs/uploader.md).

use std::path::PathBuf;
use std::process::ExitCode as ProcessExit;

use anyhow::{Context as _, Result, anyhow};
use clap::{Args, Parser, Subcommand, ValueEnum};
use heron_common::ExitCode;
use heron_common::config::{LoadRequest, Mode};
use heron_common::error::CodedError;
use heron_common::signal::interrupted;
use heron_uploader::settings::{Context, Kind, SECRET_KEYS};
use heron_uploader::{Cleanup, Input, Settings, UploadOptions, Uploader};

const EXAMPLES: &str = "\
Examples:
  # Upload a package; prints the URI the Aurora job fetches
  heron-uploader upload --cluster devcluster --role ads --topology WordCount topology.tar.gz

  # From stdin, with size, sha256 and timing as JSON
  cat topology.tar.gz | heron-uploader upload --cluster devcluster --role ads \\
      --topology WordCount --format json -

  # Put the previous package back (or remove the package if there was none)
  heron-uploader undo --cluster devcluster --role ads --topology WordCount
  heron-uploader undo --cluster devcluster --role ads --topology WordCount --if-sha256 <hex>

  # Is it there? (exit 3 when not)
  heron-uploader stat --cluster devcluster --role ads --topology WordCount --format json

Config: <config-path>/<cluster>/uploader.yaml (heron.class.uploader and heron.uploader.*).
S3 keys are read from the config files, an AWS profile or the environment, never from arguments.
Exit codes: 0 ok, 1 failed, 2 bad input, 3 not found, 5 backend unreachable, 6 denied, 130 interrupted.
See docs/uploader.md.";

/// Stores a Heron topology package on local disk, HDFS or S3 for Aurora to fetch.
#[derive(Parser, Debug)]
#[command(name = "heron-uploader", version, after_help = EXAMPLES)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

/// Arguments every stage takes (docs/stage-contract.md).
#[derive(Args, Debug)]
struct Common {
    /// Config root; the cluster's files are in DIR/<cluster>/ [default: ~/.heron/conf]
    #[arg(long, value_name = "DIR", global = true)]
    config_path: Option<PathBuf>,
    /// Cluster name (a folder under --config-path). Required.
    #[arg(long, value_name = "C", global = true)]
    cluster: Option<String>,
    /// Role: part of the package name and of ${ROLE} [default: $USER]
    #[arg(long, value_name = "R", global = true)]
    role: Option<String>,
    /// Environment, for ${ENVIRON}
    #[arg(long, value_name = "E", global = true)]
    environ: Option<String>,
    /// YAML file of keys applied after the cluster's own files
    #[arg(long, value_name = "FILE", global = true)]
    override_config_file: Option<PathBuf>,
    /// One config key, applied last (repeatable). Not for secrets.
    #[arg(long, value_name = "K=V", global = true)]
    config_property: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
    /// Diagnostics on stderr
    #[arg(long, global = true)]
    verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Store the package and print its URI
    Upload {
        /// Topology name
        #[arg(long)]
        topology: String,
        /// Upload even if an identical package is already there
        #[arg(long)]
        force: bool,
        /// Package file (.tar.gz), or - for stdin
        package: String,
    },
    /// Revert the last upload: restore the previous package, else delete the package
    Undo {
        /// Topology name
        #[arg(long)]
        topology: String,
        /// Undo only while the package there has this sha256 (64 hex digits), i.e. it is still
        /// the one you uploaded; otherwise change nothing and report `kept`
        #[arg(long, value_name = "HEX")]
        if_sha256: Option<String>,
    },
    /// Delete the package and its previous copy (exit 3 if there is none)
    Delete {
        /// Topology name
        #[arg(long)]
        topology: String,
    },
    /// Describe the package (exit 3 if absent)
    Stat {
        /// Topology name
        #[arg(long)]
        topology: String,
    },
}

impl Command {
    fn topology(&self) -> &str {
        match self {
            Command::Upload { topology, .. }
            | Command::Undo { topology, .. }
            | Command::Delete { topology }
            | Command::Stat { topology } => topology,
        }
    }
}

fn usage(message: impl Into<String>) -> anyhow::Error {
    CodedError::new(ExitCode::BadInput, message).into()
}

fn parse_properties(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter()
        .map(|p| {
            // Checked before parsing: a parse error would echo the whole argument.
            let key = p.split('=').next().unwrap_or("").trim();
            if SECRET_KEYS.contains(&key) {
                return Err(usage(format!(
                    "--config-property {key}=... is refused: secrets on a command line are visible to every \
                     user of the machine; put the key in the cluster's uploader.yaml (mode 0600), an \
                     --override-config-file, an AWS profile or the AWS_* environment variables"
                )));
            }
            Ok(heron_common::config::loader::parse_config_property(p)?)
        })
        .collect()
}

/// What `run` needs from the config, read before the async runtime starts (its flavour depends
/// on the backend).
struct Prepared {
    settings: Settings,
    role: String,
    topology: String,
}

fn prepare(cli: &Cli) -> Result<Prepared> {
    let c = &cli.common;
    let cluster = c
        .cluster
        .clone()
        .ok_or_else(|| usage("--cluster is required"))?;
    let role = match &c.role {
        Some(r) => r.clone(),
        None => heron_common::cluster::current_user().ok_or_else(|| {
            usage("--role is required (the current user is unknown: LOGNAME, USER, LNAME and USERNAME are unset)")
        })?,
    };
    let topology = cli.command.topology().to_string();
    let config_path = match &c.config_path {
        Some(p) => p.clone(),
        None => heron_common::config::loader::default_config_path()
            .ok_or_else(|| usage("HOME is not set: give --config-path"))?,
    };
    let mut request = LoadRequest::new(config_path.clone(), cluster.clone());
    request.role = Some(role.clone());
    request.environ = c.environ.clone();
    request.topology_name = Some(topology.clone());
    request.override_file = c.override_config_file.clone();
    request.properties = parse_properties(&c.config_property)?;
    request.mode = Mode::Local;
    let config = heron_common::config::load(&request).with_context(|| {
        format!(
            "cannot load the config of cluster {cluster} from {}",
            config_path.display()
        )
    })?;
    for warning in
        heron_common::config::known::property_warnings(&request.properties, &config, None)
    {
        eprintln!("warning: {warning}");
    }
    let ctx = Context {
        cluster,
        role: role.clone(),
        topology: topology.clone(),
    };
    let settings = Settings::from_config(&config, &ctx)?;
    tracing::debug!(backend = settings.kind().name(), "uploader settings read");
    Ok(Prepared {
        settings,
        role,
        topology,
    })
}

async fn run(cli: Cli, prepared: Prepared, cleanup: Cleanup) -> Result<()> {
    let c = &cli.common;
    let Prepared {
        settings,
        role,
        topology,
    } = prepared;
    let uploader = Uploader::new(&settings, &topology, &role, cleanup).await?;

    let json = c.format == Format::Json;
    match &cli.command {
        Command::Upload { force, package, .. } => {
            let input = Input::open(package)?;
            tracing::debug!("uploading {} to {}", input.describe(), uploader.uri());
            let options = UploadOptions {
                force: *force,
                progress: true,
                // Only the JSON answer reports the sha256: text output spares the hashing.
                digest: json,
            };
            let context = || {
                format!(
                    "upload of {} failed; the previous package is unchanged",
                    input.describe()
                )
            };
            let (uri, uploaded, line) = if json {
                let r = uploader
                    .upload(&input, options)
                    .await
                    .with_context(context)?;
                let line = serde_json::to_string(&r)?;
                (r.uri, r.uploaded, line)
            } else {
                let r = uploader.put(&input, options).await.with_context(context)?;
                (r.uri.clone(), r.uploaded, r.uri)
            };
            if !uploaded {
                tracing::info!("an identical package is already at {uri}; not uploaded again");
            }
            println!("{line}");
        }
        Command::Undo { if_sha256, .. } => {
            if let Some(h) = &if_sha256
                && (h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(usage(format!(
                    "--if-sha256 {h:?} is not a sha256: give 64 hex digits (as printed by `upload --format json`)"
                )));
            }
            let result = uploader
                .undo(if_sha256.as_deref())
                .await
                .context("undo failed")?;
            if json {
                println!("{}", serde_json::to_string(&result)?);
            } else {
                println!("{} {}", result.action, result.uri);
            }
        }
        Command::Delete { .. } => {
            let result = uploader.delete().await.context("delete failed")?;
            if json {
                println!("{}", serde_json::to_string(&result)?);
            } else {
                for uri in &result.deleted {
                    println!("deleted {uri}");
                }
            }
        }
        Command::Stat { .. } => {
            let result = uploader.stat().await?;
            if json {
                println!("{}", serde_json::to_string(&result)?);
            } else {
                println!("uri: {}", result.uri);
                println!("size: {}", result.size);
                println!("sha256: {}", result.sha256.as_deref().unwrap_or("unknown"));
                if let Some(p) = &result.previous {
                    println!("previous: {} ({} bytes)", p.uri, p.size);
                }
            }
        }
    }
    Ok(())
}

fn init_logging(verbose: bool) {
    // Only our crate logs at debug: the SDKs' own debug output is not ours to vouch for.
    use std::io::IsTerminal;
    let filter = if verbose {
        "warn,heron_uploader=debug"
    } else {
        "error,heron_uploader=info"
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .try_init();
}

fn report(error: &anyhow::Error) -> ProcessExit {
    eprintln!("error: {error:#}");
    ProcessExit::from(heron_common::error::exit_code_of(error.as_ref()).code())
}

fn main() -> ProcessExit {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "--generate")
    {
        let kind = std::env::args_os().nth(2);
        return ProcessExit::from(generate(kind.as_deref().and_then(|k| k.to_str())));
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitCode::BadInput.code()
            } else {
                0
            };
            let _ = e.print();
            return ProcessExit::from(code);
        }
    };
    init_logging(cli.common.verbose);
    let prepared = match prepare(&cli) {
        Ok(p) => p,
        Err(e) => return report(&e),
    };
    // HDFS on one thread: hdfs-native hands every 64 KiB packet from task to task (writer, packet
    // sender, ack reader); on a multi-threaded runtime each hand-over is a cross-thread wake-up
    // (25,000 futex calls per GiB against 500 here) competing with the DataNode for the cores.
    // S3 keeps its worker threads: parts are signed (a sha256 each) side by side.
    let mut builder = if prepared.settings.kind() == Kind::Hdfs {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return report(&anyhow!(e).context("cannot start the async runtime")),
    };
    let cleanup = Cleanup::new();
    let outcome = runtime.block_on(async {
        tokio::select! {
            r = run(cli, prepared, cleanup.clone()) => {
                if r.is_err() {
                    cleanup.run_all().await;
                }
                Some(r)
            }
            signal = interrupted() => {
                eprintln!("error: interrupted by {signal}; removing what this upload started");
                cleanup.run_all().await;
                None
            }
        }
    });
    match outcome {
        Some(Ok(())) => ProcessExit::SUCCESS,
        Some(Err(e)) => report(&e),
        None => {
            // Blocking file copies may still be running; the process ends here regardless.
            runtime.shutdown_background();
            ProcessExit::from(ExitCode::Interrupted.code())
        }
    }
}

/// `heron-uploader --generate KIND` (hidden; scripts/package.sh uses it).
fn generate(kind: Option<&str>) -> u8 {
    use clap::CommandFactory as _;
    heron_common::generate::print(Cli::command(), "heron-uploader", kind)
}
