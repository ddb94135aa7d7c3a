//! `--check`: validates a rendered job file without Aurora.
//!
//! The file is parsed as Python (rustpython-parser) and its module-level assignments are read
//! statically, the way the job is written by Heron's template and ours: `jobs = [Job(...)]`, with
//! names resolved through simple `name = value` assignments. Nothing is executed.

use std::collections::HashMap;

use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};

use crate::bindings::MIN_BYTES;
use crate::scan::pos_of;

/// What a valid job file describes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobSummary {
    /// `cluster/role/environment/name`.
    pub job_key: String,
    /// The Aurora cluster.
    pub cluster: String,
    /// The role.
    pub role: String,
    /// The environment.
    pub environment: String,
    /// The job name.
    pub name: String,
    /// Instance count.
    pub instances: u64,
    /// CPUs per instance.
    pub cpu: f64,
    /// RAM per instance, bytes.
    pub ram: u64,
    /// Disk per instance, bytes.
    pub disk: u64,
    /// Whether it is a service job (`service = True`).
    pub service: bool,
}

/// A check failure, at a line of the job file when it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct CheckError {
    /// The job file.
    pub file: String,
    /// The line.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// An Aurora job key, `cluster/role/environment/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobKey {
    /// Cluster.
    pub cluster: String,
    /// Role.
    pub role: String,
    /// Environment.
    pub environment: String,
    /// Name.
    pub name: String,
}

impl std::str::FromStr for JobKey {
    type Err = String;

    fn from_str(s: &str) -> Result<JobKey, String> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [c, r, e, n] if [c, r, e, n].iter().all(|p| !p.is_empty()) => Ok(JobKey {
                cluster: c.to_string(),
                role: r.to_string(),
                environment: e.to_string(),
                name: n.to_string(),
            }),
            _ => Err(format!("`{s}` is not a job key CLUSTER/ROLE/ENVIRON/NAME")),
        }
    }
}

struct Checker<'a> {
    file: &'a str,
    source: &'a str,
    names: HashMap<String, &'a Expr>,
}

impl<'a> Checker<'a> {
    fn err(&self, node: Option<&dyn Ranged>, message: impl Into<String>) -> CheckError {
        CheckError {
            file: self.file.to_string(),
            line: node.map(|n| pos_of(self.source, u32::from(n.start()) as usize).line),
            message: message.into(),
        }
    }

    /// Follows `name` references to module-level assignments.
    fn resolve(&self, mut expr: &'a Expr) -> &'a Expr {
        for _ in 0..32 {
            match expr {
                Expr::Name(n) => match self.names.get(n.id.as_str()) {
                    Some(next) => expr = next,
                    None => return expr,
                },
                _ => return expr,
            }
        }
        expr
    }

    fn call_named(
        &self,
        expr: &'a Expr,
        names: &[&str],
        what: &str,
    ) -> Result<&'a ast::ExprCall, CheckError> {
        let expr = self.resolve(expr);
        if let Expr::Call(call) = expr
            && let Expr::Name(func) = self.resolve(&call.func)
            && names.contains(&func.id.as_str())
        {
            return Ok(call);
        }
        Err(self.err(
            Some(expr),
            format!(
                "{what} must be a {}(...) call written in the file",
                names.join("/")
            ),
        ))
    }

    fn keyword(&self, call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
        call.keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
            .map(|k| &k.value)
    }

    fn string(&self, call: &'a ast::ExprCall, field: &str) -> Result<String, CheckError> {
        let expr = self
            .keyword(call, field)
            .ok_or_else(|| self.err(Some(call), format!("the job has no `{field}`")))?;
        match self.resolve(expr) {
            Expr::Constant(c) => match &c.value {
                Constant::Str(s) => {
                    unrendered(s).map_or(Ok(()), |r| {
                        Err(self.err(
                            Some(expr),
                            format!("`{field}` still holds `{r}`: the file was not rendered"),
                        ))
                    })?;
                    if s.is_empty()
                        || !s
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
                    {
                        return Err(self.err(Some(expr), format!("`{field}` is {s:?}; Aurora accepts only letters, digits, `_`, `-` and `.`")));
                    }
                    Ok(s.clone())
                }
                _ => Err(self.err(Some(expr), format!("`{field}` must be a string"))),
            },
            other => Err(self.err(
                Some(other),
                format!("`{field}` must be a string literal (it cannot be checked otherwise)"),
            )),
        }
    }

    /// A number: an int/float literal, or a string holding one (Pystachio converts those).
    fn number(&self, expr: &'a Expr, field: &str) -> Result<f64, CheckError> {
        let resolved = self.resolve(expr);
        let Expr::Constant(c) = resolved else {
            return Err(self.err(
                Some(resolved),
                format!("`{field}` must be a number literal (it cannot be checked otherwise)"),
            ));
        };
        let text = match &c.value {
            Constant::Int(i) => i.to_string(),
            Constant::Float(f) => f.to_string(),
            Constant::Str(s) => {
                if let Some(r) = unrendered(s) {
                    return Err(self.err(
                        Some(resolved),
                        format!("`{field}` still holds `{r}`: the file was not rendered"),
                    ));
                }
                s.trim().to_string()
            }
            _ => return Err(self.err(Some(resolved), format!("`{field}` must be a number"))),
        };
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| {
                self.err(
                    Some(resolved),
                    format!("`{field}` is {text:?}, not a number"),
                )
            })
    }

    fn integer(&self, expr: &'a Expr, field: &str, min: u64) -> Result<u64, CheckError> {
        let n = self.number(expr, field)?;
        if n.fract() != 0.0 || n < min as f64 || n > 9.0e15 {
            let need = if min > 1 {
                format!("an integer of at least {min}")
            } else {
                "a positive integer".to_string()
            };
            return Err(self.err(
                Some(self.resolve(expr)),
                format!("`{field}` is {n}; it must be {need}"),
            ));
        }
        Ok(n as u64)
    }
}

/// A `{{UPPER...}}` reference, which only an unrendered Heron template holds.
fn unrendered(s: &str) -> Option<&str> {
    let start = s.find("{{")?;
    let rest = &s[start..];
    let end = rest.find("}}")?;
    let inner = rest[2..end].trim();
    inner
        .starts_with(|c: char| c.is_ascii_uppercase())
        .then(|| &rest[..end + 2])
}

/// Checks a job file: valid Python, exactly one job in `jobs`, its key (matching `expected` when
/// given), an integer instance count and positive resources.
pub fn check(
    source: &str,
    file: &str,
    expected: Option<&JobKey>,
) -> Result<JobSummary, CheckError> {
    let module =
        rustpython_parser::parse(source, rustpython_parser::Mode::Module, file).map_err(|e| {
            let at = pos_of(source, u32::from(e.offset) as usize);
            CheckError {
                file: file.to_string(),
                line: Some(at.line),
                message: format!("not valid Python: {} (column {})", e.error, at.column),
            }
        })?;
    let ast::Mod::Module(module) = module else {
        return Err(CheckError {
            file: file.to_string(),
            line: None,
            message: "not a Python module".to_string(),
        });
    };
    let mut names = HashMap::new();
    for stmt in &module.body {
        if let Stmt::Assign(assign) = stmt
            && let [Expr::Name(target)] = assign.targets.as_slice()
        {
            names.insert(target.id.to_string(), &*assign.value);
        }
    }
    let checker = Checker {
        file,
        source,
        names,
    };

    let jobs = checker.names.get("jobs").copied().ok_or_else(|| {
        checker.err(
            None,
            "no module-level `jobs = [...]`: Aurora reads the job from that list",
        )
    })?;
    let elements = match checker.resolve(jobs) {
        Expr::List(l) => &l.elts,
        Expr::Tuple(t) => &t.elts,
        other => return Err(checker.err(Some(other), "`jobs` must be a list written in the file")),
    };
    let job = match elements.as_slice() {
        [one] => one,
        _ => {
            return Err(checker.err(
                Some(jobs),
                format!(
                    "`jobs` holds {} jobs; a Heron topology is exactly one Aurora job",
                    elements.len()
                ),
            ));
        }
    };
    let job = checker.call_named(job, &["Job", "Service", "MesosJob"], "the job")?;
    let cluster = checker.string(job, "cluster")?;
    let role = checker.string(job, "role")?;
    let environment = checker.string(job, "environment")?;
    let name = checker.string(job, "name")?;
    let instances = match checker.keyword(job, "instances") {
        Some(e) => checker.integer(e, "instances", 1)?,
        None => 1,
    };
    let service = match checker.keyword(job, "service").map(|e| checker.resolve(e)) {
        None => false,
        Some(Expr::Constant(c)) if matches!(c.value, Constant::Bool(_)) => {
            matches!(c.value, Constant::Bool(true))
        }
        Some(other) => return Err(checker.err(Some(other), "`service` must be True or False")),
    };
    let task_expr = checker
        .keyword(job, "task")
        .ok_or_else(|| checker.err(Some(job), "the job has no `task`"))?;
    let task = checker.call_named(task_expr, &["Task", "SequentialTask"], "the job's task")?;
    let resources_expr = checker.keyword(task, "resources").ok_or_else(|| {
        checker.err(
            Some(task),
            "the task has no `resources` (Aurora: \"Task must specify resources!\")",
        )
    })?;
    let resources = checker.call_named(resources_expr, &["Resources"], "the task's resources")?;
    let field = |f: &str| {
        checker
            .keyword(resources, f)
            .ok_or_else(|| checker.err(Some(resources), format!("Resources has no `{f}`")))
    };
    let cpu = checker.number(field("cpu")?, "cpu")?;
    if cpu <= 0.0 {
        return Err(checker.err(
            Some(resources),
            format!("`cpu` is {cpu}; it must be positive"),
        ));
    }
    let ram = checker.integer(field("ram")?, "ram", MIN_BYTES)?;
    let disk = checker.integer(field("disk")?, "disk", MIN_BYTES)?;

    let summary = JobSummary {
        job_key: format!("{cluster}/{role}/{environment}/{name}"),
        cluster,
        role,
        environment,
        name,
        instances,
        cpu,
        ram,
        disk,
        service,
    };
    if let Some(key) = expected {
        let found = [
            &summary.cluster,
            &summary.role,
            &summary.environment,
            &summary.name,
        ];
        let wanted = [&key.cluster, &key.role, &key.environment, &key.name];
        if found != wanted {
            return Err(checker.err(
                Some(job),
                format!(
                    "the job is {} but {}/{}/{}/{} was expected",
                    summary.job_key, key.cluster, key.role, key.environment, key.name
                ),
            ));
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: &str = "t = SequentialTask(name='x', processes=[], resources=Resources(cpu='1.0', ram=2147483648, disk='2147483648'))\njobs = [Job(name='wc', cluster='c', role='r', environment='devel', service=True, task=t, instances='3')]\n";

    #[test]
    fn a_rendered_job_passes_and_is_summarized() {
        let s = check(
            JOB,
            "job.aurora",
            Some(&"c/r/devel/wc".parse().expect("key")),
        )
        .expect("valid");
        assert_eq!(
            (s.instances, s.cpu, s.ram, s.service),
            (3, 1.0, 2147483648, true)
        );
    }

    #[test]
    fn problems_are_reported_with_lines() {
        let cases = [
            (
                JOB.replace("instances='3'", "instances='three'"),
                "job.aurora:2: `instances` is \"three\", not a number",
            ),
            (
                JOB.replace("instances='3'", "instances=0"),
                "job.aurora:2: `instances` is 0; it must be a positive integer",
            ),
            (
                JOB.replace("ram=2147483648", "ram=0"),
                "job.aurora:1: `ram` is 0; it must be an integer of at least 1048576",
            ),
            (
                JOB.replace("cpu='1.0'", "cpu=0"),
                "job.aurora:1: `cpu` is 0; it must be positive",
            ),
            (
                JOB.replace("name='wc'", "name='{{TOPOLOGY_NAME}}'"),
                "job.aurora:2: `name` still holds `{{TOPOLOGY_NAME}}`: the file was not rendered",
            ),
            (
                JOB.replace("jobs = [", "jobs = [Job(), "),
                "job.aurora:2: `jobs` holds 2 jobs; a Heron topology is exactly one Aurora job",
            ),
            (
                JOB.replace("jobs", "job"),
                "job.aurora: no module-level `jobs = [...]`: Aurora reads the job from that list",
            ),
            (
                JOB.replace("Job(", "Job(("),
                "job.aurora:2: not valid Python",
            ),
        ];
        for (src, want) in cases {
            let err = check(&src, "job.aurora", None).expect_err(want).to_string();
            assert!(err.starts_with(want), "got {err}\nwant {want}");
        }
        let err = check(
            JOB,
            "job.aurora",
            Some(&"c/r/prod/wc".parse().expect("key")),
        )
        .expect_err("key");
        assert_eq!(
            err.to_string(),
            "job.aurora:2: the job is c/r/devel/wc but c/r/prod/wc was expected"
        );
    }
}
