//! `heron submit`: Heron's SubmitterMain flow (heron-aurora.md §4.3, §5.1) over the stages.
//!
//! Order: define the topology; ask whether the name is taken while packing (rewriting
//! `topology.stmgrs` when packing gives another container count) and building the package; upload;
//! write the state atomically (topology trimmed, Aurora's homogeneous plan, execution state,
//! scheduler location) while rendering the job; `aurora job create`. Stages run side by side only
//! where neither needs the other's result (docs/architecture.md). Every step that changed something is logged; on a failure (or
//! SIGINT/SIGTERM) the log is undone in reverse: killall when create was attempted, state cleanup,
//! uploader undo. The error names the stage and says what the rollback did.

pub mod bindings;
pub mod dry_run;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use heron_common::ExitCode;
use heron_common::contract::{SubmitState, UploadResult};
use heron_common::error::CodedError;
use heron_common::packing::{self, PackingDefaults};
use heron_common::proto::api::{Topology, TopologyState};
use heron_common::proto::scheduler::SchedulerLocation;
use heron_common::proto::system::{ExecutionState, HeronReleaseState, PackingPlan};
use heron_common::topology as topo;
use prost::Message as _;
use serde_json::json;

use self::bindings::{BindingInputs, ExecutorInputs};
use crate::cli::args::{Format, SubmitCmd};
use crate::cli::context::{self, Ctx};
use crate::stages::aurora::Aurora;
use crate::stages::signals;
use crate::stages::state::State;
use crate::stages::{Stage, StageError};
use crate::topology::package::{self, PackageInputs};
use crate::topology::{self, Definition, ProgramInputs};

/// Config key: extra classpath for Java topology programs (Heron's `~/.heron/lib/third_party/*`).
pub const API_CLASSPATH_KEY: &str = "heron.cli.topology.classpath";
/// Config key: the python used for .pex/.py topology programs (default `python3`; env
/// `HERON_PYTHON` wins).
pub const PYTHON_KEY: &str = "heron.cli.python";

/// A submit that failed at a stage, with what the rollback did.
#[derive(Debug, thiserror::Error)]
#[error("submit failed at stage \"{stage}\"{detail}: {message}{}", rollback_text(.rollback))]
pub struct SubmitError {
    /// The stage.
    pub stage: String,
    /// ` (program exited N)` or empty.
    pub detail: String,
    /// Why.
    pub message: String,
    /// The exit code.
    pub code: ExitCode,
    /// One line per rollback action.
    pub rollback: Vec<String>,
}

fn rollback_text(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("\nrollback:\n  {}", lines.join("\n  "))
    }
}

/// What was done, to undo on failure.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    /// The upload ran; the sha256 of our package once the uploader reported it.
    Uploaded(Option<String>),
    StateCreated,
    CreateAttempted,
    /// The state create was refused because a concurrent submit of the name won.
    LostRace,
}

fn stage_failure(e: StageError) -> SubmitError {
    let detail = match e.status {
        Some(s) => format!(" ({} exited {s})", e.program),
        None => format!(" ({})", e.program),
    };
    let stage = match e.step.as_str() {
        "upload" => "upload",
        "state" => "state",
        "render" => "render",
        s if s.starts_with("aurora") => "aurora",
        s => s,
    }
    .to_string();
    SubmitError {
        stage,
        detail,
        message: e.message,
        code: e.code,
        rollback: Vec::new(),
    }
}

fn local_failure(stage: &str, e: anyhow::Error) -> SubmitError {
    let code = crate::exit_code(&e);
    SubmitError {
        stage: stage.to_string(),
        detail: String::new(),
        message: format!("{e:#}"),
        code,
        rollback: Vec::new(),
    }
}

/// Runs `heron submit`.
pub fn run(mut cmd: SubmitCmd) -> anyhow::Result<()> {
    crate::phase(
        cmd.common.verbose,
        "arguments parsed, signal handlers installed",
    );
    let ctx = context::setup(&cmd.common, &cmd.cluster, None)?;
    crate::phase(ctx.verbose, "config loaded");
    crate::commands::doctor::preflight(&ctx, cmd.dry_run)?;
    crate::phase(ctx.verbose, "preflight checks passed");
    if signals::interrupted() {
        return Err(CodedError::new(
            ExitCode::Interrupted,
            "interrupted before anything was done",
        )
        .into());
    }

    // The release file named on the command line must be there before any work is done.
    let release_yaml = crate::topology::release::read(cmd.release_yaml_file.as_deref())?.text;

    // A topology file given as an http(s) URL: downloaded into the temp folder, then used as a
    // local file (a dry run downloads it too: the definition needs it).
    let given = cmd.topology_file.to_string_lossy().into_owned();
    if crate::topology::download::is_http_url(&given) {
        cmd.topology_file =
            download_topology(&ctx, &given).map_err(|e| local_failure("download", e))?;
        crate::phase(ctx.verbose, "topology file downloaded");
    }

    // 1. The topology definition.
    let definition = define(&ctx, &cmd).map_err(|e| local_failure("topology definition", e))?;
    let name = definition.topology.name.clone();
    heron_common::cluster::validate_topology_name(&name)
        .map_err(|e| local_failure("topology definition", e.into()))?;
    crate::phase(ctx.verbose, "topology defined");

    // 2. Refuse an existing topology, asked while the topology is packed and its package built
    // (`exists` changes nothing; nothing is uploaded before it answered "absent"). Every stage
    // program must be there before anything is changed.
    let exists = if cmd.dry_run {
        None
    } else {
        for stage in [
            Stage::Statemgr,
            Stage::Uploader,
            Stage::Render,
            Stage::Aurora,
        ] {
            ctx.runner.program(stage).map_err(stage_failure)?;
        }
        Some(State::new(&ctx.runner).start_exists("topologies", &name))
    };
    let config = ctx.local_config(&name)?;
    let cluster_config = ctx.cluster_config(&name)?;
    crate::phase(ctx.verbose, "config reloaded for the topology");

    // 2. Pack.
    let defaults = PackingDefaults::from_config(&config)?;
    let packed = packing::pack(&definition.topology, &defaults)
        .map_err(|e| local_failure("pack", e.into()))?;
    for w in &packed.warnings {
        eprintln!("warning: {w}");
    }
    let mut topology = definition.topology.clone();
    let stmgrs = topo::num_stmgrs(&topology)?;
    let containers = packed.plan.container_plans.len();
    if usize::try_from(stmgrs).ok() != Some(containers) {
        eprintln!(
            "warning: topology.stmgrs is {stmgrs} but the packing plan has {containers} containers; using {containers}"
        );
        topology = topo::with_stmgrs(&topology, u32::try_from(containers).unwrap_or(u32::MAX));
    }
    let plan = packed.plan;
    let homogeneous = packing::homogeneous(&plan);
    let resources = packing::aurora_resources(&homogeneous, &topology)?;
    let packing_class = config
        .get_str(heron_common::config::keys::PACKING_CLASS)
        .ok()
        .flatten()
        .unwrap_or_else(|| "org.apache.heron.packing.roundrobin.RoundRobinPacking".to_string());

    // What the package ships: the topology file, or the pex built from a .py.
    let shipped = definition
        .package_file
        .clone()
        .unwrap_or_else(|| cmd.topology_file.clone());
    let file_name = shipped
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .context("the topology file has no file name")?;
    let defn_name = format!("{name}.defn");
    // A YAML topology holds Java components only (yaml refuses Python ones).
    let pkg_type = if topology::Kind::of(&cmd.topology_file)? == topology::Kind::Yaml {
        "jar"
    } else {
        bindings::pkg_type(&file_name)
    };
    let ram_map = packing::component_ram_distribution(&plan);
    let executor = ExecutorInputs {
        cluster: &ctx.spec.cluster,
        role: &ctx.spec.role,
        environ: &ctx.spec.environ,
        defn_file: &defn_name,
        binary_file: &file_name,
        pkg_type,
        component_ram_map: &ram_map,
        verbose_gc: cmd.verbose_gc,
    };
    let template = bindings::chosen_template(&config, &ctx.conf_dir);
    let job_key = ctx.spec.job_key(&name);
    let package_path = ctx.tmp.path().join("topology.tar.gz");
    crate::phase(ctx.verbose, "packed");

    // 4. Dry run: print the plan and the job; touch nothing.
    if cmd.dry_run {
        let uri = format!("file://{}", package_path.display());
        let bindings = bindings::bindings(
            &cluster_config,
            &topology,
            &BindingInputs {
                executor: executor.clone(),
                package_uri: &uri,
                resources: &resources,
            },
        );
        let job_file = ctx.tmp.path().join(format!("{name}.aurora"));
        render(&ctx, template.as_deref(), &bindings, &job_file).map_err(stage_failure)?;
        let job = std::fs::read_to_string(&job_file)
            .with_context(|| format!("cannot read {}", job_file.display()))?;
        let dry_run = crate::commands::submit::dry_run::SubmitDryRun {
            name: &name,
            job_key: &job_key,
            template: template.as_deref(),
            job: &job,
            plan: &plan,
            packing_class: &packing_class,
            bindings: &bindings,
        };
        print!("{}", dry_run.output(ctx.format, cmd.dry_run_format)?);
        return Ok(());
    }

    // 5. Package, while `exists` runs; its answer comes first: a package built for a name that
    // is taken is dropped with the temp folder.
    let built = if signals::interrupted() {
        Err(interrupted_before("package"))
    } else {
        package::build(
            &PackageInputs {
                topology_file: &shipped,
                defn_name: &defn_name,
                defn: &definition.bytes,
                conf_dir: &ctx.conf_dir,
                override_yaml: ctx.override_yaml.as_bytes(),
                release_yaml: release_yaml.as_bytes(),
            },
            &package_path,
        )
        .map_err(|e| local_failure("package", e))
    };
    crate::phase(ctx.verbose, "package built");
    let exists = exists.map_or(Ok(false), |started| {
        State::exists_answer(started.and_then(crate::stages::Running::finish))
    });
    crate::phase(ctx.verbose, "exists answered");
    if exists.map_err(stage_failure)? {
        return Err(CodedError::new(
            ExitCode::AlreadyExists,
            format!(
                "Topology '{name}' already exists in cluster {}; kill it first (heron kill {}/{}/{} {name})",
                ctx.spec.cluster, ctx.spec.cluster, ctx.spec.role, ctx.spec.environ
            ),
        )
        .into());
    }
    let state = State::new(&ctx.runner);

    let mut done: Vec<Done> = Vec::new();
    let result = (|| -> Result<(String, UploadResult), SubmitError> {
        built?;
        check_interrupt("upload")?;

        // 7. Upload.
        // Logged before it runs: an uploader that did its work and then failed, crashed or hung
        // still leaves a package to undo (undo of nothing is harmless).
        done.push(Done::Uploaded(None));
        let upload = upload(&ctx, &name, &package_path).map_err(stage_failure)?;
        if let Some(last) = done.last_mut() {
            *last = Done::Uploaded(Some(upload.sha256.clone()));
        }
        check_interrupt("state")?;

        // 7 and 8, at the same time (the job file does not depend on the state): the state, the
        // four nodes at once; and the job file rendered.
        let submit_state = submit_state(&ctx, &config, &topology, &homogeneous, &release_yaml)
            .map_err(|e| local_failure("state", e))?;
        let bindings = bindings::bindings(
            &cluster_config,
            &topology,
            &BindingInputs {
                executor: executor.clone(),
                package_uri: &upload.uri,
                resources: &resources,
            },
        );
        let job_file = ctx.tmp.path().join(format!("{name}.aurora"));
        // Logged before it runs, like the upload. Rendering changes nothing outside the temp
        // folder, so a failed render rolls back the state (and the upload) only.
        done.push(Done::StateCreated);
        let creating = state.start_create(&name, &submit_state);
        let rendering = start_render(&ctx, template.as_deref(), &bindings, &job_file);
        let created = creating.and_then(crate::stages::Running::finish_ok);
        let rendered = rendering.and_then(crate::stages::Running::finish_ok);
        if let Err(e) = &created
            && e.code == ExitCode::AlreadyExists
        {
            // The state belongs to a concurrent submit of the same name, which won.
            done.pop();
            done.push(Done::LostRace);
        }
        both(created.map(drop), rendered.map(drop))?;
        check_interrupt("aurora")?;
        done.push(Done::CreateAttempted);
        Aurora::new(&ctx.runner, job_key.clone())
            .create(&job_file)
            .map_err(stage_failure)?;
        Ok((topology.id.clone(), upload))
    })();

    match result {
        Ok((id, upload)) => {
            if ctx.format == Format::Json {
                let doc = json!({
                    "command": "submit", "ok": true, "topology": name, "topology_id": id, "job_key": job_key,
                    "package_uri": upload.uri, "package_size": upload.size, "package_sha256": upload.sha256,
                    "containers": plan.container_plans.len(), "aurora_instances": resources.num_containers,
                    "state": if cmd.deploy_deactivated { "PAUSED" } else { "RUNNING" },
                });
                println!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                println!(
                    "Topology '{name}' submitted: Aurora job {job_key}, {}, package {}",
                    crate::commands::report::containers_phrase(plan.container_plans.len()),
                    upload.uri
                );
            }
            Ok(())
        }
        Err(mut failure) => {
            signals::begin_rollback();
            failure.rollback = rollback(&ctx, &config, &name, &job_key, &done);
            if signals::interrupted() {
                failure.code = ExitCode::Interrupted;
            }
            Err(failure.into())
        }
    }
}

fn check_interrupt(next: &str) -> Result<(), SubmitError> {
    if signals::interrupted() {
        return Err(interrupted_before(next));
    }
    Ok(())
}

fn interrupted_before(stage: &str) -> SubmitError {
    SubmitError {
        stage: stage.to_string(),
        detail: String::new(),
        message: format!(
            "interrupted by {} before this stage",
            signals::signal_name()
        ),
        code: ExitCode::Interrupted,
        rollback: Vec::new(),
    }
}

/// The outcome of two stages that ran at the same time: the first one's failure, with the other's
/// failure (if any) added to its message, so a signal that stopped both names both.
fn both(first: Result<(), StageError>, second: Result<(), StageError>) -> Result<(), SubmitError> {
    match (first, second) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(stage_failure(e)),
        (Err(e), Err(other)) => {
            let mut failure = stage_failure(e);
            let also = stage_failure(other);
            let how = if failure.code == ExitCode::Interrupted && also.code == ExitCode::Interrupted
            {
                "was stopped too".to_string()
            } else {
                format!("failed too: {}", also.message)
            };
            failure.message = format!(
                "{}; stage \"{}\"{}, which ran at the same time, {how}",
                failure.message, also.stage, also.detail
            );
            Err(failure)
        }
    }
}

fn download_topology(ctx: &Ctx, url: &str) -> anyhow::Result<PathBuf> {
    let dir = ctx.tmp.path().join("download");
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let limits = crate::topology::download::Limits::from_config(&ctx.config)?;
    let progress = ctx.format == Format::Text;
    Ok(crate::topology::download::fetch(
        url,
        &dir,
        limits,
        progress,
        ctx.verbose,
    )?)
}

fn define(ctx: &Ctx, cmd: &SubmitCmd) -> anyhow::Result<Definition> {
    if cmd.topology_file.to_string_lossy().contains("://") {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "topology file {}: only http:// and https:// URLs are downloaded; fetch this one \
                 yourself and give its path",
                cmd.topology_file.display()
            ),
        )
        .into());
    }
    if cmd.topology_file.is_dir() {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "topology file {} is a directory, not a file: give the topology's .jar, .tar.gz, \
                 .pex, .py, .defn or .yaml file",
                cmd.topology_file.display()
            ),
        )
        .into());
    }
    if !cmd.topology_file.is_file() {
        return Err(CodedError::new(
            ExitCode::NotFound,
            format!(
                "topology file {} does not exist",
                cmd.topology_file.display()
            ),
        )
        .into());
    }
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
    let python = std::env::var_os("HERON_PYTHON")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or(ctx.config.get_str(PYTHON_KEY)?.map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let state = if cmd.deploy_deactivated {
        TopologyState::Paused
    } else {
        TopologyState::Running
    };
    let file_abs =
        std::fs::canonicalize(&cmd.topology_file).unwrap_or_else(|_| cmd.topology_file.clone());
    let options = vec![
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
    ];
    let work = ctx.tmp.path().join("program");
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let definition = topology::define(&ProgramInputs {
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
        archive_limits: archive_limits(&ctx.config)?,
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
    let mut definition = definition;
    if cmd.deploy_deactivated && definition.topology.state != TopologyState::Paused as i32 {
        definition.topology.state = TopologyState::Paused as i32;
        definition.bytes = definition.topology.encode_to_vec();
    }
    Ok(definition)
}

fn upload(ctx: &Ctx, name: &str, package: &Path) -> Result<UploadResult, StageError> {
    let mut args = vec!["upload".to_string()];
    args.extend(ctx.runner.common_args());
    args.extend([
        "--topology".into(),
        name.into(),
        "--format".into(),
        "json".into(),
        package.display().to_string(),
    ]);
    let out = ctx.runner.run(Stage::Uploader, "upload", &args, None)?;
    serde_json::from_slice::<UploadResult>(&out.stdout).map_err(|e| StageError {
        step: "upload".into(),
        program: Stage::Uploader.program().into(),
        code: ExitCode::Failed,
        status: Some(0),
        message: format!("its JSON answer does not parse ({e}): {}", out.text()),
    })
}

fn render(
    ctx: &Ctx,
    template: Option<&Path>,
    bindings: &std::collections::BTreeMap<String, String>,
    out: &Path,
) -> Result<(), StageError> {
    start_render(ctx, template, bindings, out)?.finish_ok()?;
    Ok(())
}

/// Starts the render stage without waiting for it.
fn start_render(
    ctx: &Ctx,
    template: Option<&Path>,
    bindings: &std::collections::BTreeMap<String, String>,
    out: &Path,
) -> Result<crate::stages::Running, StageError> {
    let mut args = ctx.runner.common_args();
    match template {
        Some(t) => args.extend(["--template".to_string(), t.display().to_string()]),
        None => args.push("--builtin-template".to_string()),
    }
    args.extend([
        "--values".to_string(),
        "-".to_string(),
        "-o".to_string(),
        out.display().to_string(),
    ]);
    let values = serde_json::to_vec(bindings).unwrap_or_default();
    ctx.runner
        .start(Stage::Render, "render", &args, Some(&values))
}

fn submit_state(
    ctx: &Ctx,
    config: &heron_common::config::Config,
    topology: &Topology,
    plan: &PackingPlan,
    release: &str,
) -> anyhow::Result<SubmitState> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let execution = ExecutionState {
        topology_name: topology.name.clone(),
        topology_id: topology.id.clone(),
        submission_time: Some(i64::try_from(now).unwrap_or(i64::MAX)),
        submission_user: Some(ctx.user.clone()),
        cluster: ctx.spec.cluster.clone(),
        environ: ctx.spec.environ.clone(),
        role: ctx.spec.role.clone(),
        release_state: Some(HeronReleaseState {
            release_username: crate::topology::release::value(release, "heron.build.user"),
            release_tag: Some(String::new()),
            release_version: crate::topology::release::value(release, "heron.build.version"),
        }),
    };
    let links = match config.get_str("heron.scheduler.job.link.template")? {
        Some(t) if !t.is_empty() => vec![t],
        _ => Vec::new(),
    };
    let location = SchedulerLocation {
        topology_name: topology.name.clone(),
        http_endpoint: "scheduler_as_lib_no_endpoint".to_string(),
        job_page_link: links,
    };
    Ok(SubmitState {
        topology: topo::trimmed(topology).encode_to_vec(),
        packing_plan: plan.encode_to_vec(),
        execution_state: execution.encode_to_vec(),
        scheduler_location: location.encode_to_vec(),
    })
}

/// `heron.cli.topology.archive.max.{bytes,entries}`, or the defaults.
fn archive_limits(
    config: &heron_common::config::Config,
) -> anyhow::Result<crate::topology::safe_tar::Limits> {
    let default = crate::topology::safe_tar::Limits::default();
    Ok(crate::topology::safe_tar::Limits {
        max_bytes: config
            .get_u64(crate::topology::safe_tar::MAX_BYTES_KEY)?
            .unwrap_or(default.max_bytes),
        max_entries: config
            .get_u64(crate::topology::safe_tar::MAX_ENTRIES_KEY)?
            .unwrap_or(default.max_entries),
    })
}

fn rollback(
    ctx: &Ctx,
    config: &heron_common::config::Config,
    name: &str,
    job_key: &str,
    done: &[Done],
) -> Vec<String> {
    let mut lines = Vec::new();
    // Every failed step ends with the one command that finishes the job (it removes the job,
    // the state and the package, whichever are left).
    let kill = format!(
        "run `heron kill {}/{}/{} {name}` to remove what is left",
        ctx.spec.cluster, ctx.spec.role, ctx.spec.environ
    );
    let lost_race = done.contains(&Done::LostRace);
    if done.is_empty() {
        lines.push("nothing to undo: no stage had changed anything".to_string());
    }
    for step in done.iter().rev() {
        match step {
            Done::CreateAttempted => {
                match Aurora::new(&ctx.runner, job_key.to_string()).killall(config) {
                    Ok(crate::stages::aurora::Killed::Killed) => {
                        lines.push(format!("aurora job {job_key} killed"))
                    }
                    Ok(crate::stages::aurora::Killed::NoJob) => {
                        lines.push(format!("aurora job {job_key} was not created"))
                    }
                    Err(e) => {
                        lines.push(format!("FAILED to kill aurora job {job_key}: {e}; {kill}"))
                    }
                }
            }
            Done::StateCreated => match State::new(&ctx.runner).clean(name) {
                Ok(_) => lines.push(format!("state of {name} deleted")),
                Err(e) => lines.push(format!("FAILED to delete the state of {name}: {e}; {kill}")),
            },
            Done::LostRace => lines.push(format!(
                "the state of {name} belongs to the submit that won; left alone"
            )),
            Done::Uploaded(ours) => {
                // Another submit of the same name uploads to the same destination, before or
                // after ours. The uploader checks and undoes in one step (under its lock on a
                // local file system): only while the package there is still ours, which then
                // restores whatever it replaced; a package that is not ours (and its previous
                // copy, which may be ours) stays as it is.
                if lost_race && ours.is_none() {
                    // Our upload never reported a checksum: nothing to tell ours from theirs.
                    lines.push("package left alone: it is the winning submit's".to_string());
                    continue;
                }
                let mut args = vec!["undo".to_string()];
                args.extend(ctx.runner.common_args());
                args.extend([
                    "--topology".into(),
                    name.into(),
                    "--format".into(),
                    "json".into(),
                ]);
                if let Some(sha) = ours {
                    args.extend(["--if-sha256".into(), sha.clone()]);
                }
                match ctx
                    .runner
                    .run(Stage::Uploader, "uploader undo", &args, None)
                {
                    Ok(out) => match serde_json::from_slice::<heron_common::contract::UndoResult>(
                        &out.stdout,
                    ) {
                        Ok(u) if u.action == "kept" => lines.push(format!(
                            "package {} left alone: it is no longer ours{}",
                            u.uri,
                            if lost_race {
                                " (the winning submit's)"
                            } else {
                                ""
                            }
                        )),
                        Ok(u) => lines.push(format!("package {}: {}", u.uri, u.action)),
                        Err(_) => lines.push("package upload undone".to_string()),
                    },
                    Err(e) => lines.push(format!("FAILED to undo the upload: {e}; {kill}")),
                }
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_stages_side_by_side_report_the_first_failure_and_name_the_other() {
        let err = |step: &str, program: &str, code: ExitCode, message: &str| StageError {
            step: step.into(),
            program: program.into(),
            code,
            status: (code != ExitCode::Interrupted).then_some(i32::from(code.code())),
            message: message.into(),
        };
        assert!(both(Ok(()), Ok(())).is_ok());
        let render_failed = || {
            err(
                "render",
                "heron-aurora-render",
                ExitCode::BadInput,
                "bad template",
            )
        };
        let only = both(Ok(()), Err(render_failed())).unwrap_err();
        assert_eq!(
            (only.stage.as_str(), only.code),
            ("render", ExitCode::BadInput)
        );
        assert_eq!(only.message, "bad template");
        let stopped = |step: &str, program: &str| {
            err(
                step,
                program,
                ExitCode::Interrupted,
                "stopped because heron received SIGTERM",
            )
        };
        let two = both(
            Err(stopped("state", "heron-statemgr")),
            Err(stopped("render", "heron-aurora-render")),
        )
        .unwrap_err();
        assert_eq!(
            (two.stage.as_str(), two.code),
            ("state", ExitCode::Interrupted)
        );
        assert_eq!(
            two.to_string(),
            "submit failed at stage \"state\" (heron-statemgr): stopped because heron received \
             SIGTERM; stage \"render\" (heron-aurora-render), which ran at the same time, was \
             stopped too"
        );
        let mixed = both(
            Err(err(
                "state",
                "heron-statemgr",
                ExitCode::Unavailable,
                "no ZooKeeper",
            )),
            Err(render_failed()),
        )
        .unwrap_err();
        assert_eq!(mixed.code, ExitCode::Unavailable);
        assert!(
            mixed.message.ends_with(
                "stage \"render\" (heron-aurora-render exited 2), which ran at the same time, \
                 failed too: bad template"
            ),
            "{}",
            mixed.message
        );
    }

    #[test]
    fn submit_error_names_the_stage_and_rollback() {
        let e = stage_failure(StageError {
            step: "upload".into(),
            program: "heron-uploader".into(),
            code: ExitCode::Unavailable,
            status: Some(5),
            message: "S3 is down".into(),
        });
        let mut e = e;
        e.rollback = vec!["nothing to undo".into()];
        let text = e.to_string();
        assert!(
            text.starts_with(
                "submit failed at stage \"upload\" (heron-uploader exited 5): S3 is down"
            ),
            "{text}"
        );
        assert!(text.contains("rollback:\n  nothing to undo"), "{text}");
    }
}
