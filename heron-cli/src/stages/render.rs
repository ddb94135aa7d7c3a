//! The job file, through the `heron-aurora-render` program (docs/render.md): the bindings go in
//! as JSON on stdin, the Aurora job file comes out at `-o`.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Runner, Running, Stage, StageError};

/// Calls of `heron-aurora-render` for one cluster.
#[derive(Debug, Clone, Copy)]
pub struct Render<'a> {
    runner: &'a Runner,
}

impl<'a> Render<'a> {
    /// Wraps a runner.
    pub fn new(runner: &'a Runner) -> Render<'a> {
        Render { runner }
    }

    /// Renders `template` (`None`: the stage's built-in one) with `bindings` into `out`.
    pub fn render(
        &self,
        template: Option<&Path>,
        bindings: &BTreeMap<String, String>,
        out: &Path,
    ) -> Result<(), StageError> {
        self.start(template, bindings, out)?.finish_ok()?;
        Ok(())
    }

    /// Starts [`Render::render`] without waiting; finish it with [`Running::finish_ok`].
    pub fn start(
        &self,
        template: Option<&Path>,
        bindings: &BTreeMap<String, String>,
        out: &Path,
    ) -> Result<Running, StageError> {
        let mut args = self.runner.common_args();
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
        self.runner
            .start(Stage::Render, "render", &args, Some(&values))
    }
}
