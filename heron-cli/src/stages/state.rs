//! The state manager, through the `heron-statemgr` program (docs/stage-contract.md).

use heron_common::contract::SubmitState;
use prost::Message;

use crate::stages::{Output, Runner, Running, Stage, StageError};

/// Typed calls of `heron-statemgr` for one topology's cluster.
#[derive(Debug, Clone, Copy)]
pub struct State<'a> {
    runner: &'a Runner,
}

impl<'a> State<'a> {
    /// Wraps a runner.
    pub fn new(runner: &'a Runner) -> State<'a> {
        State { runner }
    }

    fn args(&self, tail: &[&str]) -> Vec<String> {
        let mut a = self.runner.common_args();
        a.extend(tail.iter().map(|s| s.to_string()));
        a
    }

    fn bad_exit(step: &str, out: &Output) -> StageError {
        StageError {
            step: step.to_string(),
            program: Stage::Statemgr.program().to_string(),
            code: heron_common::ExitCode::from_code(out.status),
            status: Some(out.status),
            message: crate::stages::error_line(&out.stderr, &out.stdout),
        }
    }

    /// Whether a node exists (exit 0 present, 3 absent).
    pub fn exists(&self, kind: &str, topology: &str) -> Result<bool, StageError> {
        Self::exists_answer(self.start_exists(kind, topology)?.finish())
    }

    /// Starts [`State::exists`] without waiting; [`State::exists_answer`] reads the outcome.
    pub fn start_exists(&self, kind: &str, topology: &str) -> Result<Running, StageError> {
        self.runner.start(
            Stage::Statemgr,
            "state",
            &self.args(&["exists", kind, topology]),
            None,
        )
    }

    /// The answer of a finished `exists`.
    pub fn exists_answer(outcome: Result<Output, StageError>) -> Result<bool, StageError> {
        let out = outcome?;
        match out.status {
            0 => Ok(true),
            3 => Ok(false),
            _ => Err(Self::bad_exit("state", &out)),
        }
    }

    /// Reads and decodes a node; `None` when it is absent.
    pub fn get<M: Message + Default>(
        &self,
        kind: &str,
        topology: &str,
    ) -> Result<Option<M>, StageError> {
        let out = self
            .runner
            .start(
                Stage::Statemgr,
                "state",
                &self.args(&["get", kind, topology, "--format", "proto"]),
                None,
            )?
            .finish()?;
        match out.status {
            0 => M::decode(out.stdout.as_slice())
                .map(Some)
                .map_err(|e| StageError {
                    step: "state".to_string(),
                    program: Stage::Statemgr.program().to_string(),
                    code: heron_common::ExitCode::BadInput,
                    status: Some(0),
                    message: format!("the {kind} node of {topology} does not decode: {e}"),
                }),
            3 => Ok(None),
            _ => Err(Self::bad_exit("state", &out)),
        }
    }

    /// `heron-statemgr dump`: `kinds` of `topologies` (every topology with state when empty),
    /// decoded, in one child process; read-only.
    pub fn dump(
        &self,
        topologies: &[&str],
        kinds: &[&str],
    ) -> Result<Vec<heron_common::contract::TopologyNodes>, StageError> {
        let mut tail = vec!["dump", "--format", "json"];
        for kind in kinds {
            tail.extend(["--kind", kind]);
        }
        // Names after `--`, so none is taken for an option.
        tail.push("--");
        tail.extend(topologies);
        let out = self
            .runner
            .run(Stage::Statemgr, "state", &self.args(&tail), None)?;
        serde_json::from_slice(&out.stdout).map_err(|e| StageError {
            step: "state".to_string(),
            program: Stage::Statemgr.program().to_string(),
            code: heron_common::ExitCode::Failed,
            status: Some(0),
            message: format!("its `dump --format json` output does not parse: {e}"),
        })
    }

    /// The atomic submit write (exit 4 when the topology exists).
    pub fn create(&self, topology: &str, state: &SubmitState) -> Result<(), StageError> {
        self.start_create(topology, state)?.finish_ok()?;
        Ok(())
    }

    /// Starts [`State::create`] without waiting; finish it with [`Running::finish_ok`].
    pub fn start_create(&self, topology: &str, state: &SubmitState) -> Result<Running, StageError> {
        let body = serde_json::to_vec(state).map_err(|e| StageError {
            step: "state".to_string(),
            program: Stage::Statemgr.program().to_string(),
            code: heron_common::ExitCode::Failed,
            status: None,
            message: format!("cannot encode the state: {e}"),
        })?;
        self.runner.start(
            Stage::Statemgr,
            "state",
            &self.args(&["create", topology]),
            Some(&body),
        )
    }

    /// Replaces a node with protobuf bytes (`--replace`: a plain `set` on ZooKeeper refuses an
    /// existing node, as Heron's state manager does, and update always replaces the plan).
    pub fn set(&self, kind: &str, topology: &str, bytes: &[u8]) -> Result<(), StageError> {
        self.runner.run(
            Stage::Statemgr,
            "state",
            &self.args(&[
                "set",
                kind,
                topology,
                "--replace",
                "--input-format",
                "proto",
            ]),
            Some(bytes),
        )?;
        Ok(())
    }

    /// Deletes a node (absent is fine for the stage).
    pub fn delete(&self, kind: &str, topology: &str) -> Result<(), StageError> {
        self.runner.run(
            Stage::Statemgr,
            "state",
            &self.args(&["delete", kind, topology]),
            None,
        )?;
        Ok(())
    }

    /// `list`: the topologies under the root, whatever its exit status.
    pub fn list(&self) -> Result<Output, StageError> {
        self.runner
            .start(Stage::Statemgr, "state list", &self.args(&["list"]), None)?
            .finish()
    }

    /// Deletes every node of a topology in Heron's kill order; returns what the stage printed.
    pub fn clean(&self, topology: &str) -> Result<String, StageError> {
        let out = self.runner.run(
            Stage::Statemgr,
            "state cleanup",
            &self.args(&["clean", topology]),
            None,
        )?;
        Ok(out.text())
    }
}
