//! Steps 3 to 7 of a submit, each a stage call: the package, the upload, the state and the job
//! file (side by side), and `aurora job create`; and the question, asked beside steps 2 and 3,
//! whether the name is already taken. Each step that may change something outside `heron`
//! writes itself into the [`Journal`] before it runs.

use heron_common::ExitCode;
use heron_common::contract::{SubmitState, UploadResult};
use heron_common::error::CodedError;
use heron_common::proto::scheduler::SchedulerLocation;
use heron_common::proto::system::{ExecutionState, HeronReleaseState};
use heron_common::topology as topo;
use prost::Message as _;

use super::error::{
    SubmitError, both, check_interrupt, interrupted_before, local_failure, stage_failure,
};
use super::journal::Journal;
use super::pack::Job;
use crate::cli::context::Ctx;
use crate::stages::aurora::Aurora;
use crate::stages::render::Render;
use crate::stages::state::State;
use crate::stages::uploader::Uploader;
use crate::stages::{Running, Stage, StageError, signals};
use crate::topology::Definition;
use crate::topology::package::{self, PackageInputs};
use crate::topology::release;

/// `heron-statemgr exists topologies NAME`, started before the topology is packed and answered
/// once its package is built (`exists` changes nothing; nothing is uploaded before it answered
/// "absent").
#[derive(Debug)]
pub struct NameCheck(Result<Running, StageError>);

impl NameCheck {
    /// Starts the question. Every stage program must be there before anything is changed.
    pub fn start(ctx: &Ctx, name: &str) -> Result<NameCheck, SubmitError> {
        for stage in [
            Stage::Statemgr,
            Stage::Uploader,
            Stage::Render,
            Stage::Aurora,
        ] {
            ctx.runner.program(stage).map_err(stage_failure)?;
        }
        Ok(NameCheck(
            State::new(&ctx.runner).start_exists("topologies", name),
        ))
    }

    /// A taken name is refused (exit 4), saying how to free it.
    pub fn refuse_taken(self, ctx: &Ctx, name: &str) -> anyhow::Result<()> {
        let exists = State::exists_answer(self.0.and_then(Running::finish));
        crate::cli::phase(ctx.verbose, "exists answered");
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
        Ok(())
    }
}

/// Step 3: `topology.tar.gz`, built while `exists` runs. Its failure waits for the answer: a
/// package built for a name that is taken is dropped with the temp folder.
pub fn package(
    ctx: &Ctx,
    definition: &Definition,
    job: &Job,
    release_yaml: &str,
) -> Result<(), SubmitError> {
    let built = if signals::interrupted() {
        Err(interrupted_before("package"))
    } else {
        package::build(
            &PackageInputs {
                topology_file: &job.shipped,
                defn_name: &job.defn_name,
                defn: &definition.bytes,
                conf_dir: &ctx.conf_dir,
                override_yaml: ctx.override_yaml.as_bytes(),
                release_yaml: release_yaml.as_bytes(),
            },
            &job.package_path,
        )
        .map(drop)
        .map_err(|e| local_failure("package", e))
    };
    crate::cli::phase(ctx.verbose, "package built");
    built
}

/// Step 4: `heron-uploader upload`; the package's URI, size and checksum.
pub fn upload(ctx: &Ctx, journal: &mut Journal, job: &Job) -> Result<UploadResult, SubmitError> {
    check_interrupt("upload")?;
    journal.upload_started();
    let upload = Uploader::new(&ctx.runner)
        .upload(&job.name, &job.package_path)
        .map_err(stage_failure)?;
    journal.uploaded(&upload.sha256);
    Ok(upload)
}

/// Steps 5 and 6, at the same time (the job file does not depend on the state): the state, its
/// four nodes at once (`heron-statemgr create`), and the job file (`heron-aurora-render`).
/// Rendering changes nothing outside the temp folder, so a failed render rolls back the state
/// (and the upload) only.
pub fn state_and_render(
    ctx: &Ctx,
    journal: &mut Journal,
    job: &Job,
    upload: &UploadResult,
    release_yaml: &str,
) -> Result<(), SubmitError> {
    check_interrupt("state")?;
    let submit_state =
        submit_state(ctx, job, release_yaml).map_err(|e| local_failure("state", e))?;
    let bindings = job.bindings(ctx, &upload.uri);
    journal.state_started();
    let creating = State::new(&ctx.runner).start_create(&job.name, &submit_state);
    let rendering =
        Render::new(&ctx.runner).start(job.template.as_deref(), &bindings, &job.job_file);
    let created = creating.and_then(Running::finish_ok);
    let rendered = rendering.and_then(Running::finish_ok);
    if let Err(e) = &created
        && e.code == ExitCode::AlreadyExists
    {
        journal.lost_race();
    }
    both(created.map(drop), rendered.map(drop))
}

/// Step 7: `aurora job create --wait-until RUNNING`.
pub fn create(ctx: &Ctx, journal: &mut Journal, job: &Job) -> Result<(), SubmitError> {
    check_interrupt("aurora")?;
    journal.create_started();
    Aurora::new(&ctx.runner, job.job_key.clone())
        .create(&job.job_file)
        .map_err(stage_failure)
}

/// The state a submit writes: the topology (trimmed), Aurora's homogeneous plan, the execution
/// state and the scheduler location.
fn submit_state(ctx: &Ctx, job: &Job, release: &str) -> anyhow::Result<SubmitState> {
    let topology = &job.topology;
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
            release_username: release::value(release, "heron.build.user"),
            release_tag: Some(String::new()),
            release_version: release::value(release, "heron.build.version"),
        }),
    };
    let links = match job.config.get_str("heron.scheduler.job.link.template")? {
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
        packing_plan: job.homogeneous.encode_to_vec(),
        execution_state: execution.encode_to_vec(),
        scheduler_location: location.encode_to_vec(),
    })
}
