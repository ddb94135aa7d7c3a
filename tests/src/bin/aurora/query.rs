//! The verbs that only read: `status` (Aurora's text or `--write-json`) and `list`, over job
//! keys with `*` parts.

use anyhow::{Context as _, Result};

use crate::cli::{ListArgs, StatusArgs};
use crate::log::print_err;
use crate::state::{JobRecord, State};
use crate::{EXIT_INVALID_PARAMETER, EXIT_USAGE, Output, exit_with};

/// `CLUSTER[/ROLE[/ENV[/NAME]]]` with `*` parts, as Aurora's wildcard job keys.
fn matcher(pattern: &str) -> Result<Vec<String>> {
    let parts: Vec<String> = pattern.split('/').map(str::to_string).collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return Err(exit_with(
            EXIT_USAGE,
            format!("job key pattern {pattern:?} is not CLUSTER[/ROLE[/ENV[/NAME]]]"),
        ));
    }
    Ok(parts)
}

fn matches(parts: &[String], job: &JobRecord) -> bool {
    let fields = [&job.cluster, &job.role, &job.environment, &job.name];
    parts.iter().zip(fields).all(|(p, f)| p == "*" || p == f)
}

pub(crate) fn status(dir: &std::path::Path, a: &StatusArgs) -> Result<Output> {
    let parts = matcher(&a.jobspec)?;
    let jobs: Vec<JobRecord> = State::lock(dir)?
        .all_jobs()?
        .into_iter()
        .filter(|j| matches(&parts, j))
        .collect();
    let mut out = Output::default();
    if jobs.is_empty() {
        if a.write_json {
            // Aurora answers scripts with JSON and exit 0 here.
            out.stdout.push(
                serde_json::json!({"jobspec": a.jobspec, "error": "No matching jobs found"})
                    .to_string(),
            );
            return Ok(out);
        }
        // print_err and a returned code: the closing log line follows.
        print_err(&format!("Found no jobs matching {}", a.jobspec));
        out.code = EXIT_INVALID_PARAMETER;
        return Ok(out);
    }
    out.stdout.push(if a.write_json {
        crate::status::write_json(&jobs)
    } else {
        crate::status::pretty(&jobs).trim_end().to_string()
    });
    Ok(out)
}

pub(crate) fn list(dir: &std::path::Path, a: &ListArgs) -> Result<Output> {
    let parts = match &a.jobspec {
        Some(p) => matcher(p)?,
        None => Vec::new(),
    };
    let keys: Vec<String> = State::lock(dir)?
        .all_jobs()?
        .into_iter()
        .filter(|j| matches(&parts, j))
        .map(|j| j.key)
        .collect();
    let mut out = Output::default();
    if a.write_json {
        out.stdout
            .push(serde_json::to_string(&keys).context("cannot serialize keys")?);
    } else {
        out.stdout = keys;
    }
    Ok(out)
}
