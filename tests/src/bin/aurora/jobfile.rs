//! Reads an Aurora job file (Python) far enough to check what Heron relies on.
//!
//! Aurora evaluates the file with Pystachio. The stand-in does not run Python: it parses the file
//! with rustpython-parser and evaluates only the expressions it needs (the `jobs` list, each job's
//! key fields, `instances`, `task` → `resources`, `processes`), following module-level names.
//! Supported expressions: string/number/bool literals, names bound at module level, lists and
//! tuples, calls with keyword arguments (`Job(...)`, `Resources(...)`), `+ - * /` on numbers,
//! `+` on strings, `%` string formatting with `%s`/`%d`, and Aurora's size constants
//! (`B KB MB GB TB`). Anything else in those places is reported with its line, as a limitation of
//! the stand-in rather than silently accepted.
//!
//! `--bind NAME=VALUE` replaces `{{NAME}}` in string literals, as Pystachio binding does. A
//! `{{UPPER_CASE}}` reference left unbound is an error, as in Aurora ("Config contains unbound
//! variables"). Lower-case references (`{{mesos.instance}}`, `{{thermos.ports[http]}}`, a
//! struct's own fields) are left to Aurora and Thermos and not checked.
//!
//! This file checks the job; the expression evaluator it uses is in `jobfile/eval.rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rustpython_parser::Parse as _;
use rustpython_parser::ast;

#[path = "jobfile/eval.rs"]
mod eval;

use eval::{Call, Module, Value, py_float};

/// A job key `cluster/role/env/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct JobKey {
    pub cluster: String,
    pub role: String,
    pub env: String,
    pub name: String,
}

impl std::fmt::Display for JobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.cluster, self.role, self.env, self.name
        )
    }
}

/// What the stand-in keeps from a valid job file.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedJob {
    pub key: JobKey,
    pub instances: u32,
    pub cpu: f64,
    pub ram_bytes: u64,
    pub disk_bytes: u64,
    pub service: bool,
}

/// A job file that Aurora would reject (or that the stand-in cannot read). The text follows
/// Aurora's wording where Aurora has one.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type Result<T> = std::result::Result<T, ConfigError>;

/// Checks `text` (the job file at `path`) against the requested job key, with `bindings` applied.
pub fn check(
    path: &str,
    text: &str,
    bindings: &BTreeMap<String, String>,
    want: &JobKey,
) -> Result<CheckedJob> {
    let suite = ast::Suite::parse(text, path).map_err(|e| {
        let (line, col) = line_col(text, e.offset.into());
        ConfigError(format!(
            "{path}:{line}:{col}: not valid Python: {}",
            e.error
        ))
    })?;
    check_unbound(path, text, bindings)?;

    let module = Module::new(path, text, &suite, bindings);
    let Some(jobs_expr) = module.names.get("jobs") else {
        return Err(ConfigError("No job defined in this config!".into()));
    };
    let jobs = match module.eval(jobs_expr, 0)? {
        Value::List(items) => items,
        other => {
            return Err(module.err(
                jobs_expr,
                format!("`jobs` must be a list of Job(...), got {}", other.kind()),
            ));
        }
    };
    if jobs.is_empty() {
        return Err(ConfigError("No job defined in this config!".into()));
    }

    let mut candidates = Vec::new();
    for (value, at) in jobs {
        let Value::Call(call) = value else {
            return Err(module.err_at(
                at,
                format!("an element of `jobs` is {}, not Job(...)", value.kind()),
            ));
        };
        if call.func != "Job" && call.func != "Service" {
            return Err(module.err_at(
                at,
                format!("an element of `jobs` is {}(...), not Job(...)", call.func),
            ));
        }
        candidates.push(module.job_key(&call)?);
    }

    let matches: Vec<&(JobKey, Call<'_>)> =
        candidates.iter().filter(|(key, _)| key == want).collect();
    match matches.as_slice() {
        [] => {
            let mut msg = format!("Could not find job {want}\nCandidates are:");
            for (key, _) in &candidates {
                let _ = write!(msg, "\n  {key}");
            }
            Err(ConfigError(msg))
        }
        [(key, call)] => module.check_job(key.clone(), call),
        _ => Err(ConfigError(format!(
            "Multiple jobs match, please disambiguate by specifying a job key.\nCandidates are:\n  {want}"
        ))),
    }
}

/// `{{UPPER_CASE}}` references that no `--bind` provides. Lines that are comments are skipped.
fn check_unbound(path: &str, text: &str, bindings: &BTreeMap<String, String>) -> Result<()> {
    let mut unbound: Vec<(String, usize)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut rest = line;
        while let Some(open) = rest.find("{{") {
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else { break };
            let name = after[..close].trim();
            let upper = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if upper && !bindings.contains_key(name) && !unbound.iter().any(|(n, _)| n == name) {
                unbound.push((name.to_string(), index + 1));
            }
            rest = &after[close + 2..];
        }
    }
    if unbound.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = unbound.iter().map(|(n, _)| n.as_str()).collect();
    let first = &unbound[0];
    Err(ConfigError(format!(
        "Config contains unbound variables: {} (first at {path}:{}; bind them with --bind NAME=VALUE or render the template first)",
        names.join(" "),
        first.1
    )))
}

fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl<'a> Module<'a> {
    fn string_field(&self, call: &Call<'a>, field: &str) -> Result<Option<String>> {
        let Some(expr) = call.kwarg(field) else {
            return Ok(None);
        };
        match self.eval(expr, 0)? {
            Value::Str(s) => Ok(Some(s)),
            other => Err(self.err(
                expr,
                format!("Job `{field}` must be a string, got {}", other.kind()),
            )),
        }
    }

    fn job_key(&self, call: &Call<'a>) -> Result<(JobKey, Call<'a>)> {
        let name = self.string_field(call, "name")?;
        let Some(name) = name else {
            return Err(self.err_at(call.at, "Job has no `name`".into()));
        };
        let get = |field: &str, label: &str| -> Result<String> {
            self.string_field(call, field)?.ok_or_else(|| {
                if field == "environment" {
                    ConfigError(format!(
                        "Job {}/{}/{{MISSING}}/{name} in configuration file doesn't specify an environment",
                        self.string_field(call, "cluster").ok().flatten().unwrap_or_default(),
                        self.string_field(call, "role").ok().flatten().unwrap_or_default(),
                    ))
                } else {
                    ConfigError(format!("{label} required for job \"{name}\""))
                }
            })
        };
        let key = JobKey {
            cluster: get("cluster", "Cluster")?,
            role: get("role", "Role")?,
            env: get("environment", "Environment")?,
            name,
        };
        Ok((key, call.clone()))
    }

    fn check_job(&self, key: JobKey, job: &Call<'a>) -> Result<CheckedJob> {
        for (field, value) in [
            ("role", &key.role),
            ("environment", &key.env),
            ("name", &key.name),
        ] {
            if !crate::spec::valid_identifier(value) {
                return Err(ConfigError(format!("Invalid {field} '{value}'")));
            }
        }
        let instances = self.instances(&key, job)?;

        let service = match job.kwarg("service") {
            None => false,
            Some(expr) => match self.eval(expr, 0)? {
                Value::Bool(b) => b,
                Value::Str(s) if s == "True" || s == "true" => true,
                Value::Str(s) if s == "False" || s == "false" => false,
                other => {
                    return Err(self.err(
                        expr,
                        format!("Job `service` must be a boolean, got {}", other.kind()),
                    ));
                }
            },
        };

        let Some(task_expr) = job.kwarg("task") else {
            return Err(ConfigError(format!(
                "Task required for job \"{}\"",
                key.name
            )));
        };
        let Value::Call(task) = self.eval(task_expr, 0)? else {
            return Err(self.err(
                task_expr,
                "Job `task` must be a Task(...) or SequentialTask(...)".into(),
            ));
        };
        // Only emptiness matters here; the processes themselves are Thermos's business, so
        // their expressions are not evaluated (a `Process(...).bind(...)` is fine).
        let missing_processes = match task.kwarg("processes") {
            None => true,
            Some(expr) => match self.resolve(expr, 0) {
                ast::Expr::List(l) => l.elts.is_empty(),
                ast::Expr::Tuple(t) => t.elts.is_empty(),
                _ => false,
            },
        };
        if missing_processes {
            return Err(ConfigError(format!(
                "Processes required for task on job \"{}\"",
                key.name
            )));
        }
        let Some(res_expr) = task.kwarg("resources") else {
            return Err(ConfigError("Task must specify resources!".into()));
        };
        let Value::Call(resources) = self.eval(res_expr, 0)? else {
            return Err(self.err(res_expr, "Task `resources` must be Resources(...)".into()));
        };
        if resources.func != "Resources" {
            return Err(self.err(
                res_expr,
                format!(
                    "Task `resources` must be Resources(...), got {}(...)",
                    resources.func
                ),
            ));
        }
        let cpu = self.number(&resources, "cpu")?;
        let ram = self.integer(&resources, "ram")?;
        let disk = self.integer(&resources, "disk")?;
        let (Some(ram), Some(disk)) = (ram, disk) else {
            return Err(ConfigError(format!(
                "Must specify ram and disk resources, got ram:{} disk:{}",
                ram.map_or("None".into(), |r| r.to_string()),
                disk.map_or("None".into(), |d| d.to_string())
            )));
        };
        let cpu = cpu.unwrap_or(0.0);
        let mb = (1u64 << 20) as f64;
        if !(cpu > 0.0 && ram > 0 && disk > 0) {
            return Err(ConfigError(format!(
                "Task has invalid resources.  cpu/ramMb/diskMb must all be positive: cpu:{} ramMb:{} diskMb:{}",
                py_float(cpu),
                py_float(ram as f64 / mb),
                py_float(disk as f64 / mb)
            )));
        }
        Ok(CheckedJob {
            key,
            instances,
            cpu,
            ram_bytes: u64::try_from(ram)
                .map_err(|_| ConfigError(format!("ram {ram} is too large")))?,
            disk_bytes: u64::try_from(disk)
                .map_err(|_| ConfigError(format!("disk {disk} is too large")))?,
            service,
        })
    }

    fn instances(&self, key: &JobKey, job: &Call<'a>) -> Result<u32> {
        // Aurora defaults `instances` to 1; Heron's template always sets it, so a missing value
        // means the render lost it and the stand-in reports it.
        let Some(expr) = job.kwarg("instances") else {
            return Err(ConfigError(format!(
                "Job {key} has no `instances` (Heron's template always sets it to NUM_CONTAINERS; \
                 Aurora itself would silently run 1 instance)"
            )));
        };
        let n: i128 = match self.eval(expr, 0)? {
            Value::Int(i) => i,
            Value::Str(s) => s.trim().parse::<i128>().map_err(|_| {
                self.err(
                    expr,
                    format!("Job `instances` must be an integer, got the string {s:?}"),
                )
            })?,
            other => {
                return Err(self.err(
                    expr,
                    format!("Job `instances` must be an integer, got {}", other.kind()),
                ));
            }
        };
        if n <= 0 {
            return Err(self.err(expr, format!("Job `instances` must be positive, got {n}")));
        }
        u32::try_from(n).map_err(|_| self.err(expr, format!("Job `instances` {n} is too large")))
    }

    /// A Pystachio Float field: a number or a string holding one.
    fn number(&self, call: &Call<'a>, field: &str) -> Result<Option<f64>> {
        let Some(expr) = call.kwarg(field) else {
            return Ok(None);
        };
        match self.eval(expr, 0)? {
            Value::Int(i) => Ok(Some(i as f64)),
            Value::Float(f) => Ok(Some(f)),
            Value::Str(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    self.err(
                        expr,
                        format!("Resources `{field}` must be a number, got the string {s:?}"),
                    )
                }),
            other => Err(self.err(
                expr,
                format!("Resources `{field}` must be a number, got {}", other.kind()),
            )),
        }
    }

    /// A Pystachio Integer field: an integer or a string holding one (bytes for ram and disk).
    fn integer(&self, call: &Call<'a>, field: &str) -> Result<Option<i128>> {
        let Some(expr) = call.kwarg(field) else {
            return Ok(None);
        };
        match self.eval(expr, 0)? {
            Value::Int(i) => Ok(Some(i)),
            Value::Str(s) => s.trim().parse::<i128>().map(Some).map_err(|_| {
                self.err(
                    expr,
                    format!("Resources `{field}` must be an integer (bytes), got the string {s:?}"),
                )
            }),
            other => Err(self.err(
                expr,
                format!(
                    "Resources `{field}` must be an integer (bytes), got {}",
                    other.kind()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> JobKey {
        JobKey {
            cluster: "c".into(),
            role: "r".into(),
            env: "devel".into(),
            name: "n".into(),
        }
    }

    fn job(body: &str) -> String {
        format!(
            "p = Process(name = 'p', cmdline = 'x')\n{body}\njobs = [Job(cluster = 'c', role = 'r', environment = 'devel', name = 'n', task = t, instances = inst)]\n"
        )
    }

    fn check_text(text: &str, binds: &[(&str, &str)]) -> Result<CheckedJob> {
        let bindings = binds
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        check("job.aurora", text, &bindings, &key())
    }

    #[test]
    fn formats_arithmetic_and_bindings() {
        let text = job(
            "size = '%d' % (3 * MB)\nt = Task(processes = [p], resources = Resources(cpu = 1 + 0.5, ram = size, disk = '{{ DISK }}'))\ninst = '%s' % '{{N}}'",
        );
        let got = check_text(&text, &[("DISK", "4096"), ("N", "7")]).unwrap();
        assert_eq!(got.ram_bytes, 3 << 20);
        assert_eq!(got.disk_bytes, 4096);
        assert_eq!(got.cpu, 1.5);
        assert_eq!(got.instances, 7);
        assert!(!got.service);
    }

    #[test]
    fn reports_cycles_and_format_errors() {
        let cyc = job("t = u\nu = t\ninst = 1");
        let err = check_text(&cyc, &[]).unwrap_err();
        assert!(err.0.contains("too deeply"), "{err}");
        let fmt = job(
            "t = Task(processes = [p], resources = Resources(cpu = 1, ram = 1, disk = 1))\ninst = '%s %s' % '1'",
        );
        let err = check_text(&fmt, &[]).unwrap_err();
        assert!(err.0.contains("not enough arguments"), "{err}");
        assert!(err.0.starts_with("job.aurora:"), "{err}");
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }
}
