//! The [`Runner`]: the stage programs of one cluster/role/env, found once, run with the common
//! arguments and the stage timeouts.

use std::collections::HashMap;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use heron_common::ExitCode;
use heron_common::config::Config;

use super::child::Running;
use super::display::display_command;
use super::locate::{AURORA_FIX, locate};
use super::{AURORA_TIMEOUT_KEY, ClusterSpec, Output, STAGE_TIMEOUT_KEY, Stage, StageError};

const DEFAULT_STAGE_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_AURORA_TIMEOUT: Duration = Duration::from_secs(1800);

/// Runs stage programs for one cluster/role/env.
#[derive(Debug)]
pub struct Runner {
    /// `--config-path`.
    pub config_path: PathBuf,
    /// The job's cluster/role/env.
    pub spec: ClusterSpec,
    /// The override file with the user's `--config-property` values.
    pub override_file: Option<PathBuf>,
    /// `--verbose`.
    pub verbose: bool,
    programs: HashMap<Stage, PathBuf>,
    /// Extra environment for every stage child (e.g. the Aurora stand-in's state folder).
    child_env: Vec<(String, std::ffi::OsString)>,
    stage_timeout: Duration,
    aurora_timeout: Duration,
}

impl Runner {
    /// Resolves every stage program now, so a missing one is reported before any work.
    pub fn new(
        config_path: PathBuf,
        spec: ClusterSpec,
        override_file: Option<PathBuf>,
        verbose: bool,
        config: &Config,
    ) -> anyhow::Result<Runner> {
        let secs = |key: &str, default: Duration| -> anyhow::Result<Duration> {
            Ok(config
                .get_u64(key)?
                .map(Duration::from_secs)
                .unwrap_or(default))
        };
        let mut programs = HashMap::new();
        for stage in [
            Stage::Uploader,
            Stage::Statemgr,
            Stage::Render,
            Stage::Aurora,
        ] {
            if let Some(path) = locate(stage, config)? {
                programs.insert(stage, path);
            }
        }
        Ok(Runner {
            config_path,
            spec,
            override_file,
            verbose,
            programs,
            child_env: Vec::new(),
            stage_timeout: secs(STAGE_TIMEOUT_KEY, DEFAULT_STAGE_TIMEOUT)?,
            aurora_timeout: secs(AURORA_TIMEOUT_KEY, DEFAULT_AURORA_TIMEOUT)?,
        })
    }

    /// The program for a stage, or an error saying how to provide it.
    pub fn program(&self, stage: Stage) -> Result<&Path, StageError> {
        self.programs.get(&stage).map(PathBuf::as_path).ok_or_else(|| StageError {
            step: stage.program().to_string(),
            program: stage.program().to_string(),
            code: ExitCode::NotFound,
            status: None,
            message: if stage == Stage::Aurora {
                format!(
                    "no `aurora` client found (not next to `heron`, not on PATH): {AURORA_FIX}; or set the config key `{}`",
                    stage.config_key()
                )
            } else {
                format!(
                    "cannot find the program `{}`: not next to `heron`, not on PATH; set {} or the config key `{}`",
                    stage.program(),
                    stage.env_var(),
                    stage.config_key()
                )
            },
        })
    }

    /// Replaces the program of a stage (after [`super::aurora_client`] picked the Aurora client).
    pub fn set_program(&mut self, stage: Stage, path: PathBuf) {
        self.programs.insert(stage, path);
    }

    /// Adds an environment variable for every stage child.
    pub fn set_child_env(&mut self, name: &str, value: impl Into<std::ffi::OsString>) {
        self.child_env.push((name.to_string(), value.into()));
    }

    /// The arguments every stage of ours takes (not `aurora`).
    pub fn common_args(&self) -> Vec<String> {
        let mut args = vec![
            "--config-path".to_string(),
            self.config_path.display().to_string(),
            "--cluster".to_string(),
            self.spec.cluster.clone(),
            "--role".to_string(),
            self.spec.role.clone(),
            "--environ".to_string(),
            self.spec.environ.clone(),
        ];
        if let Some(file) = &self.override_file {
            args.push("--override-config-file".to_string());
            args.push(file.display().to_string());
        }
        if self.verbose {
            args.push("--verbose".to_string());
        }
        args
    }

    /// The timeout of stage programs (also used for the topology program).
    pub fn stage_timeout(&self) -> Duration {
        self.stage_timeout
    }

    fn timeout(&self, stage: Stage) -> Duration {
        if stage == Stage::Aurora {
            self.aurora_timeout
        } else {
            self.stage_timeout
        }
    }

    /// Runs a stage to completion; a non-zero exit is a [`StageError`].
    pub fn run(
        &self,
        stage: Stage,
        step: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<Output, StageError> {
        self.start(stage, step, args, stdin)?.finish_ok()
    }

    /// Starts a stage and returns at once; [`Running::finish`] waits for it and gives its output
    /// whatever its exit status (timeouts, interrupts and spawn failures are still errors),
    /// [`Running::finish_ok`] as [`Runner::run`]. The way to run stages side by side: the
    /// children start from this thread straight away, not whenever a new thread gets a core.
    pub fn start(
        &self,
        stage: Stage,
        step: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<Running, StageError> {
        let started = Instant::now();
        let mut command = self.command(stage, args)?;
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        Running::spawn(
            &mut command,
            stage,
            step,
            stdin,
            self.verbose,
            self.timeout(stage),
            started,
        )
    }

    /// The command line of a stage, with the stage children's environment, its output piped and
    /// a process group of its own: a Ctrl-C at the terminal reaches `heron` only, which then
    /// stops the child itself and rolls back in order. With `--verbose` it is printed.
    pub(super) fn command(&self, stage: Stage, args: &[String]) -> Result<Command, StageError> {
        let program = self.program(stage)?;
        if self.verbose {
            eprintln!("[heron] run: {}", display_command(program, args));
        }
        let mut command = Command::new(program);
        command
            .args(args)
            .envs(self.child_env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        Ok(command)
    }
}

#[cfg(test)]
mod tests {
    use super::super::child::SMALLEST_PIPE;
    use super::*;

    #[test]
    fn stage_input_small_or_large_reaches_the_child_whole() {
        let mut runner = Runner::new(
            PathBuf::from("/nonexistent"),
            ClusterSpec {
                cluster: "c".into(),
                role: "r".into(),
                environ: "e".into(),
            },
            None,
            false,
            &Config::new(),
        )
        .unwrap();
        runner.set_program(Stage::Render, PathBuf::from("/bin/sh"));
        let args = ["-c".to_string(), "wc -c".to_string()];
        // Written on this thread; then by a thread, the child reading it slowly after a pause.
        for size in [0, 3, SMALLEST_PIPE, SMALLEST_PIPE + 1, 1 << 20] {
            let out = runner
                .run(Stage::Render, "render", &args, Some(&vec![b'x'; size]))
                .unwrap();
            assert_eq!(out.text(), size.to_string());
        }
        let slow = ["-c".to_string(), "sleep 0.2; wc -c".to_string()];
        let out = runner
            .run(Stage::Render, "render", &slow, Some(&vec![b'x'; 200_000]))
            .unwrap();
        assert_eq!(out.text(), "200000");
    }
}
