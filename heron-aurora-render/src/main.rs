//! `heron-aurora-render`: renders the Aurora job file of a Heron topology (see docs/render.md).

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Parser, ValueEnum};
use heron_aurora_render::{
    Bindings, FetchCommands, JobKey, Source, Template, check, list_variables, render,
};
use heron_common::ExitCode;
use heron_common::config::{self, LoadRequest, Mode};
use heron_common::error::CodedError;

const EXAMPLES: &str = "\
Examples:
  # Render with the built-in template; values from a YAML file, one override
  heron-aurora-render --values job.yaml --bind NUM_CONTAINERS=3 -o job.aurora

  # Render with the cluster's heron.aurora (or the built-in one if it has none)
  heron-aurora-render --config-path ~/.heron/conf --cluster devcluster --role www-data \\
      --environ devel --values - < bindings.json

  # Check a rendered job without Aurora
  heron-aurora-render --check job.aurora --job-key devcluster/www-data/devel/WordCount

  # Which bindings does a template use?
  heron-aurora-render --list-bindings --template ~/.heron/conf/devcluster/heron.aurora

Exit status: 0 ok, 2 bad input (template, bindings, job file), 3 a file not found, 1 other failures.";

#[derive(Debug, Parser)]
#[command(
    name = "heron-aurora-render",
    version,
    about = "Renders the Aurora job file of a Heron topology from a Handlebars heron.aurora",
    after_help = EXAMPLES
)]
struct Cli {
    /// The template (default: the cluster's heron.aurora, else the built-in one); `-` for stdin.
    #[arg(long, value_name = "PATH", conflicts_with = "builtin_template")]
    template: Option<PathBuf>,

    /// Use the built-in template even if the cluster has a heron.aurora.
    #[arg(long)]
    builtin_template: bool,

    /// A JSON or YAML document of bindings (`NUM_CONTAINERS: 3`); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    values: Option<PathBuf>,

    /// One binding, applied after --values (repeatable).
    #[arg(long = "bind", value_name = "KEY=VALUE")]
    binds: Vec<String>,

    /// Write the job file here (through a temporary file, only if rendering succeeds).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,

    /// Check a rendered job file instead of rendering (`-` for stdin).
    #[arg(long, value_name = "JOBFILE", conflicts_with_all = ["values", "binds", "output", "list_bindings", "print_template"])]
    check: Option<PathBuf>,

    /// With --check: the job key CLUSTER/ROLE/ENVIRON/NAME the file must define.
    #[arg(long, value_name = "C/R/E/NAME", requires = "check")]
    job_key: Option<String>,

    /// Print the bindings the template uses, one per line.
    #[arg(long, conflicts_with_all = ["values", "binds", "output", "print_template"])]
    list_bindings: bool,

    /// Print the template text (the built-in one unless --template or a cluster says otherwise).
    #[arg(long, conflicts_with_all = ["values", "binds", "output"])]
    print_template: bool,

    /// The config root; the cluster's files are in DIR/<cluster>/.
    #[arg(long, value_name = "DIR")]
    config_path: Option<PathBuf>,

    /// The cluster (binds CLUSTER unless the values do).
    #[arg(long)]
    cluster: Option<String>,

    /// The role (binds ROLE unless the values do).
    #[arg(long)]
    role: Option<String>,

    /// The environment (binds ENVIRON unless the values do).
    #[arg(long)]
    environ: Option<String>,

    /// A YAML file of config keys applied after the cluster's own files.
    #[arg(long, value_name = "FILE")]
    override_config_file: Option<PathBuf>,

    /// One config key, applied last (repeatable).
    #[arg(long, value_name = "K=V")]
    config_property: Vec<String>,

    /// Output format of --check and --list-bindings.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Diagnostics on stderr.
    #[arg(long)]
    verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> std::process::ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "--generate")
    {
        let kind = std::env::args_os().nth(2);
        return std::process::ExitCode::from(generate(kind.as_deref().and_then(|k| k.to_str())));
    }
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    match run(&cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            let code = heron_common::error::exit_code_of(err.as_ref());
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(code.code())
        }
    }
}

fn init_tracing(verbose: bool) {
    let filter = if verbose {
        "heron_aurora_render=debug,info"
    } else {
        "warn"
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .without_time()
        .try_init();
}

fn bad(message: impl Into<String>) -> anyhow::Error {
    CodedError::new(ExitCode::BadInput, message).into()
}

fn run(cli: &Cli) -> Result<()> {
    let is_stdin = |p: &Option<PathBuf>| p.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if is_stdin(&cli.template) && (is_stdin(&cli.values) || is_stdin(&cli.check)) {
        return Err(bad(
            "only one of --template, --values and --check can read stdin (`-`)",
        ));
    }
    if let Some(path) = &cli.check {
        return run_check(cli, path);
    }
    let config = load_config(cli)?;
    let template = choose_template(cli, config.as_ref())?;
    tracing::debug!(template = %template.name, "template chosen");
    if cli.print_template {
        return write_stdout(&template.text);
    }
    if cli.list_bindings {
        return run_list(cli, &template);
    }

    let mut bindings = Bindings::new();
    if let Some(path) = &cli.values {
        let text = read_input(path, "values document")?;
        bindings
            .add_document(&text, path)
            .map_err(|e| bad(e.to_string()))?;
    }
    for bind in &cli.binds {
        bindings.add_bind(bind).map_err(|e| bad(e.to_string()))?;
    }
    for (name, flag, value) in [
        ("CLUSTER", "--cluster", &cli.cluster),
        ("ROLE", "--role", &cli.role),
        ("ENVIRON", "--environ", &cli.environ),
    ] {
        if let Some(value) = value {
            bindings
                .add_default(name, value, Source::Flag(flag))
                .map_err(|e| bad(e.to_string()))?;
        }
    }
    let fetch = match &config {
        Some(config) => {
            // Heron's built-in default is a local path, not a URI: only a value set by a file or
            // --config-property (anything with a scheme) becomes the binding.
            let key = heron_common::config::keys::CORE_PACKAGE_URI;
            if let Some(uri) = config.get_str(key)?
                && (config.origin(key).is_some()
                    || heron_aurora_render::fetch::uri_scheme(&uri).is_some())
            {
                bindings
                    .add_default("CORE_PACKAGE_URI", &uri, Source::Config(key))
                    .map_err(|e| bad(e.to_string()))?;
            }
            FetchCommands::from_config(config)?
        }
        None => FetchCommands::default(),
    };
    for (scheme, command) in fetch.iter() {
        tracing::debug!(scheme, command, "fetch command");
    }
    let job = render(&template, &bindings, &fetch).map_err(|e| {
        let code = if e.missing_file {
            ExitCode::NotFound
        } else {
            ExitCode::BadInput
        };
        anyhow::Error::from(CodedError::new(code, e.to_string()))
    })?;
    match cli.output.as_deref() {
        None => write_stdout(&job),
        Some(p) if p.as_os_str() == "-" => write_stdout(&job),
        Some(path) => write_atomically(path, &job),
    }
}

fn load_config(cli: &Cli) -> Result<Option<heron_common::config::Config>> {
    let Some(cluster) = &cli.cluster else {
        return Ok(None);
    };
    let config_path = match &cli.config_path {
        Some(p) => p.clone(),
        None => default_config_path()?,
    };
    let properties = cli
        .config_property
        .iter()
        .map(|p| config::loader::parse_config_property(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut request = LoadRequest::new(config_path, cluster.clone());
    request.role = cli.role.clone();
    request.environ = cli.environ.clone();
    request.override_file = cli.override_config_file.clone();
    request.properties = properties;
    request.mode = Mode::Local;
    let config = config::load(&request)
        .with_context(|| format!("cannot load the config of cluster {cluster}"))?;
    for warning in
        heron_common::config::known::property_warnings(&request.properties, &config, None)
    {
        eprintln!("warning: {warning}");
    }
    Ok(Some(config))
}

fn default_config_path() -> Result<PathBuf> {
    let home =
        std::env::var_os("HOME").ok_or_else(|| bad("HOME is not set: give --config-path"))?;
    Ok(PathBuf::from(home).join(".heron").join("conf"))
}

/// --template, else the cluster's `heron.scheduler.job.template`, else `<conf>/<cluster>/heron.aurora`,
/// else the built-in template.
fn choose_template(cli: &Cli, config: Option<&heron_common::config::Config>) -> Result<Template> {
    if cli.builtin_template {
        return Ok(Template::builtin());
    }
    if let Some(path) = &cli.template {
        return read_template(path);
    }
    if let (Some(config), Some(cluster)) = (config, &cli.cluster) {
        if let Some(path) = config.get_str("heron.scheduler.job.template")? {
            return read_template(Path::new(&path))
                .context("the template named by config key heron.scheduler.job.template");
        }
        let config_path = match &cli.config_path {
            Some(p) => p.clone(),
            None => default_config_path()?,
        };
        let path = config_path.join(cluster).join("heron.aurora");
        if path.is_file() {
            return read_template(&path);
        }
        tracing::debug!(path = %path.display(), "no cluster template; using the built-in one");
    }
    Ok(Template::builtin())
}

fn read_template(path: &Path) -> Result<Template> {
    let text = read_input(path, "template")?;
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    if path.as_os_str() == "-" {
        return Ok(Template::new(name, text));
    }
    Ok(Template::from_file(path, text))
}

fn read_input(path: &Path, what: &str) -> Result<String> {
    if path.as_os_str() == "-" {
        if std::io::stdin().is_terminal() {
            return Err(bad(format!(
                "the {what} is `-` (stdin), but stdin is a terminal: pipe it in or give a file"
            )));
        }
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read the {what} from stdin"))?;
        return utf8(bytes, "stdin", what);
    }
    let bytes = std::fs::read(path)
        .map_err(|e| heron_common::Error::io("cannot read", path, e))
        .with_context(|| format!("cannot read the {what}"))?;
    utf8(bytes, &path.display().to_string(), what)
}

/// Text that is not UTF-8 is bad input (exit 2): named by where it came from, the line and the
/// byte offset of the first invalid byte, so the user can find it.
fn utf8(bytes: Vec<u8>, source: &str, what: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let byte = bytes.get(at).copied().unwrap_or_default();
        bad(format!(
            "the {what} {source} is not UTF-8 text: invalid byte 0x{byte:02x} at byte offset {at} \
             (line {line}); save it as UTF-8"
        ))
    })
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .context("cannot write to stdout")
}

/// Writes through a temporary file in the same directory, then renames, so a reader never sees
/// half a job file and a failed run leaves no file behind.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| bad(format!("-o {}: not a file name", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::write(&tmp, text)
        .map_err(|e| heron_common::Error::io("cannot write", &tmp, e))
        .and_then(|_| {
            std::fs::rename(&tmp, path)
                .map_err(|e| heron_common::Error::io("cannot rename to", path, e))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.context("cannot write the job file")?;
    tracing::debug!(path = %path.display(), "job file written");
    Ok(())
}

fn run_check(cli: &Cli, path: &Path) -> Result<()> {
    let key: Option<JobKey> = match &cli.job_key {
        Some(k) => Some(
            k.parse()
                .map_err(|e: String| bad(format!("--job-key: {e}")))?,
        ),
        None => None,
    };
    let text = read_input(path, "job file")?;
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let summary = check(&text, &name, key.as_ref()).map_err(|e| bad(e.to_string()))?;
    let out = match cli.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&summary)?),
        Format::Text => format!(
            "ok: {} ({} job), {} instance{}, cpu {:?}, ram {} bytes, disk {} bytes\n",
            summary.job_key,
            if summary.service { "service" } else { "batch" },
            summary.instances,
            if summary.instances == 1 { "" } else { "s" },
            summary.cpu,
            summary.ram,
            summary.disk
        ),
    };
    write_stdout(&out)
}

fn run_list(cli: &Cli, template: &Template) -> Result<()> {
    let vars = list_variables(template).map_err(|e| bad(e.to_string()))?;
    let out = match cli.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&vars)?),
        Format::Text => vars
            .bindings
            .iter()
            .map(|b| match &b.computed_from {
                Some(uri) => format!("{}\t(computed from {uri} unless bound)\n", b.name),
                None => format!("{}\n", b.name),
            })
            .collect(),
    };
    write_stdout(&out)
}

/// `heron-aurora-render --generate KIND` (hidden; scripts/package.sh uses it).
fn generate(kind: Option<&str>) -> u8 {
    use clap::CommandFactory as _;
    heron_common::generate::print(Cli::command(), "heron-aurora-render", kind)
}
