//! The uploader, through the `heron-uploader` program (docs/uploader.md): where a topology's
//! package goes, and undoing or deleting it.

use std::path::Path;

use heron_common::ExitCode;
use heron_common::contract::{UndoResult, UploadResult};

use super::{Output, Runner, Stage, StageError};

/// Calls of `heron-uploader` for one cluster.
#[derive(Debug, Clone, Copy)]
pub struct Uploader<'a> {
    runner: &'a Runner,
}

impl<'a> Uploader<'a> {
    /// Wraps a runner.
    pub fn new(runner: &'a Runner) -> Uploader<'a> {
        Uploader { runner }
    }

    /// `VERB <common args> --topology NAME`, then `tail`.
    fn args(&self, verb: &str, topology: &str, tail: &[&str]) -> Vec<String> {
        let mut args = vec![verb.to_string()];
        args.extend(self.runner.common_args());
        args.extend(["--topology".to_string(), topology.to_string()]);
        args.extend(tail.iter().map(|s| s.to_string()));
        args
    }

    /// `upload --topology NAME --format json PACKAGE`: where the package went.
    pub fn upload(&self, topology: &str, package: &Path) -> Result<UploadResult, StageError> {
        let package = package.display().to_string();
        let args = self.args("upload", topology, &["--format", "json", &package]);
        let out = self.runner.run(Stage::Uploader, "upload", &args, None)?;
        serde_json::from_slice::<UploadResult>(&out.stdout).map_err(|e| StageError {
            step: "upload".into(),
            program: Stage::Uploader.program().into(),
            code: ExitCode::Failed,
            status: Some(0),
            message: format!("its JSON answer does not parse ({e}): {}", out.text()),
        })
    }

    /// `undo --topology NAME --format json [--if-sha256 SHA]`: puts back what the upload
    /// replaced, only while the package there is still the one with `if_sha256`. `None` when it
    /// succeeded but its answer does not parse.
    pub fn undo(
        &self,
        topology: &str,
        if_sha256: Option<&str>,
    ) -> Result<Option<UndoResult>, StageError> {
        let mut tail = vec!["--format", "json"];
        if let Some(sha) = if_sha256 {
            tail.extend(["--if-sha256", sha]);
        }
        let args = self.args("undo", topology, &tail);
        let out = self
            .runner
            .run(Stage::Uploader, "uploader undo", &args, None)?;
        Ok(serde_json::from_slice::<UndoResult>(&out.stdout).ok())
    }

    /// `delete --topology NAME`, whatever its exit status (0 deleted, 3 absent).
    pub fn delete(&self, topology: &str) -> Result<Output, StageError> {
        let args = self.args("delete", topology, &[]);
        self.runner
            .start(Stage::Uploader, "uploader delete", &args, None)?
            .finish()
    }

    /// `<common args> stat --topology NAME`, whatever its exit status (0 there, 3 absent: either
    /// proves the store answers and accepts the credentials).
    pub fn stat(&self, topology: &str) -> Result<Output, StageError> {
        let mut args = self.runner.common_args();
        args.extend([
            "stat".to_string(),
            "--topology".to_string(),
            topology.to_string(),
        ]);
        self.runner
            .start(Stage::Uploader, "uploader stat", &args, None)?
            .finish()
    }
}
