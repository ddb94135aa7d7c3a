//! The rollback journal: every step that may have changed something outside `heron` is written
//! down before it runs, and on a failure (or SIGINT/SIGTERM) the journal is undone in reverse:
//! `aurora job killall` when the create was attempted, the state cleaned, the upload undone.

use heron_common::ExitCode;

use super::error::SubmitError;
use super::pack::Job;
use crate::cli::context::Ctx;
use crate::stages::aurora::{Aurora, Killed};
use crate::stages::signals;
use crate::stages::state::State;
use crate::stages::uploader::Uploader;

/// A step that was done (or attempted), to undo on failure.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    /// The upload ran; the sha256 of our package once the uploader reported it.
    Uploaded(Option<String>),
    StateCreated,
    CreateAttempted,
    /// The state create was refused because a concurrent submit of the name won.
    LostRace,
}

/// What a submit has done so far.
#[derive(Debug, Default)]
pub struct Journal {
    done: Vec<Done>,
}

impl Journal {
    /// Before the upload: an uploader that did its work and then failed, crashed or hung still
    /// leaves a package to undo (undo of nothing is harmless).
    pub fn upload_started(&mut self) {
        self.done.push(Done::Uploaded(None));
    }

    /// The upload reported the checksum of our package: its undo leaves another's alone.
    pub fn uploaded(&mut self, sha256: &str) {
        if let Some(last) = self.done.last_mut() {
            *last = Done::Uploaded(Some(sha256.to_string()));
        }
    }

    /// Before the state is created.
    pub fn state_started(&mut self) {
        self.done.push(Done::StateCreated);
    }

    /// The state create was refused: the state belongs to a concurrent submit of the same name,
    /// which won.
    pub fn lost_race(&mut self) {
        self.done.pop();
        self.done.push(Done::LostRace);
    }

    /// Before `aurora job create`.
    pub fn create_started(&mut self) {
        self.done.push(Done::CreateAttempted);
    }

    /// Undoes everything in reverse, to the end even after Ctrl-C, and returns `failure` with
    /// one line per undo (exit 130 when `heron` was interrupted).
    pub fn roll_back(self, ctx: &Ctx, job: &Job, mut failure: SubmitError) -> SubmitError {
        signals::begin_rollback();
        failure.rollback = self.undo(ctx, job);
        if signals::interrupted() {
            failure.code = ExitCode::Interrupted;
        }
        failure
    }

    fn undo(&self, ctx: &Ctx, job: &Job) -> Vec<String> {
        let name = &job.name;
        let job_key = &job.job_key;
        let mut lines = Vec::new();
        // Every failed step ends with the one command that finishes the job (it removes the job,
        // the state and the package, whichever are left).
        let kill = format!(
            "run `heron kill {}/{}/{} {name}` to remove what is left",
            ctx.spec.cluster, ctx.spec.role, ctx.spec.environ
        );
        let lost_race = self.done.contains(&Done::LostRace);
        if self.done.is_empty() {
            lines.push("nothing to undo: no stage had changed anything".to_string());
        }
        for step in self.done.iter().rev() {
            match step {
                Done::CreateAttempted => {
                    match Aurora::new(&ctx.runner, job_key.to_string()).killall(&job.config) {
                        Ok(Killed::Killed) => lines.push(format!("aurora job {job_key} killed")),
                        Ok(Killed::NoJob) => {
                            lines.push(format!("aurora job {job_key} was not created"))
                        }
                        Err(e) => {
                            lines.push(format!("FAILED to kill aurora job {job_key}: {e}; {kill}"))
                        }
                    }
                }
                Done::StateCreated => match State::new(&ctx.runner).clean(name) {
                    Ok(_) => lines.push(format!("state of {name} deleted")),
                    Err(e) => {
                        lines.push(format!("FAILED to delete the state of {name}: {e}; {kill}"))
                    }
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
                    match Uploader::new(&ctx.runner).undo(name, ours.as_deref()) {
                        Ok(Some(u)) if u.action == "kept" => lines.push(format!(
                            "package {} left alone: it is no longer ours{}",
                            u.uri,
                            if lost_race {
                                " (the winning submit's)"
                            } else {
                                ""
                            }
                        )),
                        Ok(Some(u)) => lines.push(format!("package {}: {}", u.uri, u.action)),
                        Ok(None) => lines.push("package upload undone".to_string()),
                        Err(e) => lines.push(format!("FAILED to undo the upload: {e}; {kill}")),
                    }
                }
            }
        }
        lines
    }
}
