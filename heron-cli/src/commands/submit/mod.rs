//! `heron submit`: Heron's SubmitterMain flow (heron-aurora.md §4.3, §5.1) over the stages, in
//! the order of docs/architecture.md:
//!
//! 1. [`define`]: the topology definition (a program run with `HERON_OPTIONS`, or a `.defn` /
//!    YAML file read as it is; a topology file given as an http(s) URL is downloaded first);
//! 2. [`pack`]: the packing plan (rewriting `topology.stmgrs` when packing gives another
//!    container count) and the [`Job`] that runs it;
//! 3. [`steps::package`]: `topology.tar.gz`; while 2 and 3 run, `heron-statemgr exists` says
//!    whether the name is taken ([`steps::NameCheck`]);
//! 4. [`steps::upload`]: `heron-uploader upload`;
//! 5. and 6. [`steps::state_and_render`]: the state written atomically (topology trimmed,
//!    Aurora's homogeneous plan, execution state, scheduler location) while the job is rendered;
//! 7. [`steps::create`]: `aurora job create`.
//!
//! Stages run side by side only where neither needs the other's result. Every step that may
//! change something is written into the [`Journal`] before it runs; on a failure (or
//! SIGINT/SIGTERM) the journal is undone in reverse: killall when create was attempted, state
//! cleanup, uploader undo. The error names the stage and says what the rollback did
//! ([`SubmitError`]). `--dry-run` stops after step 2 and renders the job ([`dry_run`]).

pub mod bindings;
pub mod define;
pub mod dry_run;
pub mod error;
pub mod executor_flags;
pub mod journal;
pub mod pack;
pub mod steps;

use heron_common::ExitCode;
use heron_common::contract::UploadResult;
use heron_common::error::CodedError;
use serde_json::json;

pub use self::error::SubmitError;
pub use self::journal::Journal;
pub use self::pack::Job;
use crate::cli::args::{Format, SubmitCmd};
use crate::cli::context::{self, Ctx};
use crate::stages::signals;
use crate::topology::release;

/// Runs `heron submit`.
pub fn run(mut cmd: SubmitCmd) -> anyhow::Result<()> {
    let ctx = setup(&cmd)?;
    // The release file named on the command line must be there before any work is done.
    let release_yaml = release::read(cmd.release_yaml_file.as_deref())?.text;
    let definition = define::define(&ctx, &mut cmd)?;
    if cmd.dry_run {
        let job = pack::pack(&ctx, &cmd, &definition)?;
        return dry_run::print(&ctx, &cmd, &job);
    }
    let name_check = steps::NameCheck::start(&ctx, &definition.topology.name)?;
    let job = pack::pack(&ctx, &cmd, &definition)?;
    let built = steps::package(&ctx, &definition, &job, &release_yaml);
    name_check.refuse_taken(&ctx, &job.name)?;

    let mut journal = Journal::default();
    let submitted = (|| -> Result<UploadResult, SubmitError> {
        built?;
        let upload = steps::upload(&ctx, &mut journal, &job)?;
        steps::state_and_render(&ctx, &mut journal, &job, &upload, &release_yaml)?;
        steps::create(&ctx, &mut journal, &job)?;
        Ok(upload)
    })();
    match submitted {
        Ok(upload) => report(&ctx, &cmd, &job, &upload),
        Err(failure) => Err(journal.roll_back(&ctx, &job, failure).into()),
    }
}

/// The cluster's context, and the checks a submit runs before any work.
fn setup(cmd: &SubmitCmd) -> anyhow::Result<Ctx> {
    crate::cli::phase(
        cmd.common.verbose,
        "arguments parsed, signal handlers installed",
    );
    let ctx = context::setup(&cmd.common, &cmd.cluster, None)?;
    crate::cli::phase(ctx.verbose, "config loaded");
    crate::commands::doctor::preflight(&ctx, cmd.dry_run)?;
    crate::cli::phase(ctx.verbose, "preflight checks passed");
    if signals::interrupted() {
        return Err(CodedError::new(
            ExitCode::Interrupted,
            "interrupted before anything was done",
        )
        .into());
    }
    Ok(ctx)
}

/// The result line (`--format json`: one document).
fn report(ctx: &Ctx, cmd: &SubmitCmd, job: &Job, upload: &UploadResult) -> anyhow::Result<()> {
    let name = &job.name;
    let job_key = &job.job_key;
    let containers = job.plan.container_plans.len();
    if ctx.format == Format::Json {
        let doc = json!({
            "command": "submit", "ok": true, "topology": name, "topology_id": job.topology.id, "job_key": job_key,
            "package_uri": upload.uri, "package_size": upload.size, "package_sha256": upload.sha256,
            "containers": containers, "aurora_instances": job.resources.num_containers,
            "state": if cmd.deploy_deactivated { "PAUSED" } else { "RUNNING" },
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!(
            "Topology '{name}' submitted: Aurora job {job_key}, {}, package {}",
            crate::commands::report::containers_phrase(containers),
            upload.uri
        );
    }
    Ok(())
}
