//! Step 1, define: the topology definition, from the topology file (downloaded first when it is
//! an http(s) URL). A program is run with Heron's `HERON_OPTIONS` and writes a `.defn`; a
//! `.defn` or a YAML topology is read as it is (heron-aurora.md §4.3, §4.4).

use std::path::PathBuf;

use anyhow::Context as _;
use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::TopologyState;
use prost::Message as _;

use super::error::local_failure;
use crate::cli::args::{Format, SubmitCmd};
use crate::cli::context::Ctx;
use crate::topology::{self, Definition, ProgramInputs, download, safe_tar};

/// Config key: extra classpath for Java topology programs (Heron's `~/.heron/lib/third_party/*`).
pub const API_CLASSPATH_KEY: &str = "heron.cli.topology.classpath";
/// Config key: the python used for .pex/.py topology programs (default `python3`; env
/// `HERON_PYTHON` wins).
pub const PYTHON_KEY: &str = "heron.cli.python";

/// Step 1. A topology file given as an http(s) URL is downloaded into the temp folder and used
/// from there on as a local file (`cmd.topology_file` becomes the download; a dry run downloads
/// it too: the definition needs it). The definition's name must be one Heron accepts.
pub fn define(ctx: &Ctx, cmd: &mut SubmitCmd) -> anyhow::Result<Definition> {
    let given = cmd.topology_file.to_string_lossy().into_owned();
    if download::is_http_url(&given) {
        cmd.topology_file =
            download_topology(ctx, &given).map_err(|e| local_failure("download", e))?;
        crate::cli::phase(ctx.verbose, "topology file downloaded");
    }
    let definition = definition(ctx, cmd).map_err(|e| local_failure("topology definition", e))?;
    heron_common::cluster::validate_topology_name(&definition.topology.name)
        .map_err(|e| local_failure("topology definition", e.into()))?;
    crate::cli::phase(ctx.verbose, "topology defined");
    Ok(definition)
}

fn download_topology(ctx: &Ctx, url: &str) -> anyhow::Result<PathBuf> {
    let dir = ctx.tmp.path().join("download");
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let limits = download::Limits::from_config(&ctx.config)?;
    let progress = ctx.format == Format::Text;
    Ok(download::fetch(url, &dir, limits, progress, ctx.verbose)?)
}

/// The topology file must be a file `heron` can read: not another URL scheme, not a folder.
fn check_file(cmd: &SubmitCmd) -> anyhow::Result<()> {
    let file = &cmd.topology_file;
    if file.to_string_lossy().contains("://") {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "topology file {}: only http:// and https:// URLs are downloaded; fetch this one \
                 yourself and give its path",
                file.display()
            ),
        )
        .into());
    }
    if file.is_dir() {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "topology file {} is a directory, not a file: give the topology's .jar, .tar.gz, \
                 .pex, .py, .defn or .yaml file",
                file.display()
            ),
        )
        .into());
    }
    if !file.is_file() {
        return Err(CodedError::new(
            ExitCode::NotFound,
            format!("topology file {} does not exist", file.display()),
        )
        .into());
    }
    Ok(())
}

/// `--extra-launch-classpath`, then the API classpath (the config key, else Heron's
/// `~/.heron/lib/third_party/*` when it exists).
fn classpath(ctx: &Ctx, cmd: &SubmitCmd) -> anyhow::Result<Vec<String>> {
    let mut classpath = Vec::new();
    if let Some(extra) = &cmd.extra_launch_classpath {
        classpath.extend(topology::check_classpath(extra)?);
    }
    match ctx.config.get_str(API_CLASSPATH_KEY)? {
        Some(cp) => classpath.extend(cp.split(':').filter(|s| !s.is_empty()).map(str::to_string)),
        None => {
            if let Some(home) = heron_common::config::loader::default_heron_home() {
                let third = home.join("lib/third_party");
                if third.is_dir() {
                    classpath.push(format!("{}/*", third.display()));
                }
            }
        }
    }
    Ok(classpath)
}

/// `HERON_PYTHON`, else the config key, else `python3`.
fn python(ctx: &Ctx) -> anyhow::Result<PathBuf> {
    Ok(std::env::var_os("HERON_PYTHON")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or(ctx.config.get_str(PYTHON_KEY)?.map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3")))
}

/// The `HERON_OPTIONS` pairs Heron's submitter gives the topology program.
fn options(ctx: &Ctx, cmd: &SubmitCmd, state: TopologyState) -> Vec<(String, String)> {
    let file_abs =
        std::fs::canonicalize(&cmd.topology_file).unwrap_or_else(|_| cmd.topology_file.clone());
    vec![
        (
            "cmdline.topology.initial.state".to_string(),
            state.as_str_name().to_string(),
        ),
        ("cmdline.topology.role".to_string(), ctx.spec.role.clone()),
        (
            "cmdline.topology.environment".to_string(),
            ctx.spec.environ.clone(),
        ),
        (
            "cmdline.topology.cluster".to_string(),
            ctx.spec.cluster.clone(),
        ),
        (
            "cmdline.topology.file_name".to_string(),
            file_abs.display().to_string(),
        ),
        (
            "cmdline.topology.class_name".to_string(),
            cmd.class_name.clone(),
        ),
        ("cmdline.topology.submit_user".to_string(), ctx.user.clone()),
    ]
}

fn definition(ctx: &Ctx, cmd: &SubmitCmd) -> anyhow::Result<Definition> {
    check_file(cmd)?;
    let classpath = classpath(ctx, cmd)?;
    let python = python(ctx)?;
    let state = if cmd.deploy_deactivated {
        TopologyState::Paused
    } else {
        TopologyState::Running
    };
    let options = options(ctx, cmd, state);
    let work = ctx.tmp.path().join("program");
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let mut definition = topology::define(&ProgramInputs {
        file: &cmd.topology_file,
        class_name: &cmd.class_name,
        args: &cmd.args,
        options,
        work_dir: &work,
        classpath,
        jvm_properties: &cmd.topology_main_jvm_property,
        java: topology::java_binary(),
        python,
        verbose: ctx.verbose,
        timeout: ctx.runner.stage_timeout(),
        state,
        role: &ctx.spec.role,
        environ: &ctx.spec.environ,
        archive_limits: safe_tar::Limits::from_config(&ctx.config)?,
    })?;
    if topology::Kind::of(&cmd.topology_file)? == topology::Kind::Defn
        && let Some(problem) =
            topology::defn_without_code_problem(&definition.topology, &cmd.topology_file)
    {
        // A dry run still shows the plan (examples/pipeline.sh packs a pex's .defn this way and
        // ships the pex itself); a submit is refused, since the topology could never start.
        if !cmd.dry_run {
            return Err(CodedError::new(ExitCode::BadInput, problem).into());
        }
        eprintln!(
            "warning: {problem}; `heron submit` of this file is refused, this dry run only shows its plan"
        );
    }
    // A ready .defn keeps its own state; --deploy-deactivated still wins, as the program would do.
    if cmd.deploy_deactivated && definition.topology.state != TopologyState::Paused as i32 {
        definition.topology.state = TopologyState::Paused as i32;
        definition.bytes = definition.topology.encode_to_vec();
    }
    Ok(definition)
}
