//! How a submit fails: the stage that failed, why, the exit code, and what the rollback did.

use heron_common::ExitCode;

use crate::stages::{StageError, signals};

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

/// A stage program that failed, as the submit's failure at that stage.
pub fn stage_failure(e: StageError) -> SubmitError {
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

/// A step of `heron`'s own (the definition, packing, the package) that failed.
pub fn local_failure(stage: &str, e: anyhow::Error) -> SubmitError {
    let code = crate::stages::exit_code(&e);
    SubmitError {
        stage: stage.to_string(),
        detail: String::new(),
        message: format!("{e:#}"),
        code,
        rollback: Vec::new(),
    }
}

/// Stops before `next` when `heron` received SIGINT/SIGTERM.
pub fn check_interrupt(next: &str) -> Result<(), SubmitError> {
    if signals::interrupted() {
        return Err(interrupted_before(next));
    }
    Ok(())
}

/// The failure of a submit interrupted before `stage` began.
pub fn interrupted_before(stage: &str) -> SubmitError {
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
pub fn both(
    first: Result<(), StageError>,
    second: Result<(), StageError>,
) -> Result<(), SubmitError> {
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
