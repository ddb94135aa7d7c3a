//! Running the user's topology program (a jar, a tar of jars, a pex, a `.py`, a C++ binary) the
//! way Heron's submitter does: `HERON_OPTIONS` in its environment, its own process group, the
//! stage timeout; then reading the one `.defn` it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, bail};
use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::Topology;
use prost::Message as _;

use super::py_pex::{self, PexPlan};
use super::{Definition, Kind, ProgramInputs, decode, safe_tar, tar_jar_stem};
use crate::stages::{self, Ended};

/// `k1=v1,k2=v2` with spaces written `%%%%` (§4.4); values must not hold `,` or `=`.
pub fn heron_options(pairs: &[(String, String)]) -> anyhow::Result<String> {
    heron_common::heron_options::encode(pairs).map_err(|e| {
        // Name the offending value too, so the user sees which argument to change.
        let culprit = pairs
            .iter()
            .find(|(k, v)| heron_common::heron_options::encode(&[(k, v)]).is_err())
            .map(|(k, v)| format!(" ({k} = {v:?})"))
            .unwrap_or_default();
        anyhow::Error::new(e).context(format!(
            "cannot pass the submit options to the topology program{culprit}"
        ))
    })
}

/// Runs the program of a topology file and reads the definition it writes.
pub(super) fn run_program(kind: Kind, inputs: &ProgramInputs<'_>) -> anyhow::Result<Definition> {
    let defn_dir = inputs.work_dir.join("defn");
    std::fs::create_dir_all(&defn_dir)
        .with_context(|| format!("cannot create {}", defn_dir.display()))?;
    let mut options = vec![(
        "cmdline.topologydefn.tmpdirectory".to_string(),
        defn_dir.display().to_string(),
    )];
    options.extend(inputs.options.iter().cloned());
    let file = std::fs::canonicalize(inputs.file)
        .with_context(|| format!("cannot read {}", inputs.file.display()))?;
    let (mut command, pex_plan) = command(kind, inputs, &file, &defn_dir, &mut options)?;
    let program = run(&mut command, inputs, &options)?;
    let mut defns: Vec<PathBuf> = std::fs::read_dir(&defn_dir)
        .with_context(|| format!("cannot list {}", defn_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "defn"))
        .collect();
    defns.sort();
    let pex = match &pex_plan {
        Some(plan) => Some((plan, py_pex::manifest(plan, inputs.file)?)),
        None => None,
    };
    match defns.len() {
        1 => {
            let bytes = std::fs::read(&defns[0]).with_context(|| format!("cannot read {}", defns[0].display()))?;
            let mut definition = decode(&bytes, &defns[0])?;
            match (&pex, kind) {
                (Some((plan, manifest)), _) => {
                    let renamed = py_pex::finish(
                        plan,
                        manifest,
                        inputs.file,
                        &mut definition.topology,
                        inputs.verbose,
                    )?;
                    if renamed > 0 {
                        definition.bytes = definition.topology.encode_to_vec();
                    }
                    definition.package_file = Some(plan.pex.clone());
                }
                (None, Kind::Pex) => refuse_main_classes(inputs.file, &definition.topology)?,
                _ => {}
            }
            Ok(definition)
        }
        0 => Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "the topology program ({program} {}, class {}) wrote no .defn file to {} \
                 (HERON_OPTIONS cmdline.topologydefn.tmpdirectory); does it call HeronSubmitter.submitTopology \
                 or Topology.write()?",
                inputs.file.display(),
                inputs.class_name,
                defn_dir.display()
            ),
        )
        .into()),
        n => Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "the topology program ({program} {}) wrote {n} .defn files to {} (HERON_OPTIONS \
                 cmdline.topologydefn.tmpdirectory): {}; submit one topology at a time",
                inputs.file.display(),
                defn_dir.display(),
                defns.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy()).collect::<Vec<_>>().join(", ")
            ),
        )
        .into()),
    }
}

/// The command that runs the program of a `kind` of topology file (the canonical `file`), and
/// the pex plan of a `.py`. A name given after the class goes into `options`.
fn command(
    kind: Kind,
    inputs: &ProgramInputs<'_>,
    file: &Path,
    defn_dir: &Path,
    options: &mut Vec<(String, String)>,
) -> anyhow::Result<(Command, Option<PexPlan>)> {
    let mut pex_plan = None;
    let command = match kind {
        Kind::Jar => java_command(inputs, vec![file.display().to_string()])?,
        Kind::Tar => {
            let dir = inputs.work_dir.join("topology-files");
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            safe_tar::extract(file, &dir, inputs.archive_limits)
                .map_err(|e| CodedError::new(ExitCode::BadInput, e.to_string()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let stem = tar_jar_stem(&name).unwrap_or(&name);
            java_command(
                inputs,
                vec![
                    dir.join(format!("{stem}.jar")).display().to_string(),
                    format!("{}/*", dir.display()),
                    format!("{}/libs/*", dir.display()),
                ],
            )?
        }
        Kind::Pex if inputs.class_name == "-" => {
            let mut c = Command::new(&inputs.python);
            c.arg(file).args(inputs.args);
            c
        }
        Kind::Pex => {
            if let Some(first) = inputs.args.first() {
                options.push(("cmdline.topology.name".to_string(), first.clone()));
            }
            // Import the class from the pex (a zip on sys.path) and call its `write()`, as
            // Heron's CLI does in-process.
            let script = "import sys, importlib\n\
                path, name = sys.argv[1], sys.argv[2]\n\
                sys.path.insert(0, path)\n\
                module, _, attr = name.rpartition('.')\n\
                getattr(importlib.import_module(module), attr).write()\n";
            let mut c = Command::new(&inputs.python);
            c.arg("-c").arg(script).arg(file).arg(inputs.class_name);
            c
        }
        // A .py becomes a pex: the wrapper runs it, then writes the pex (crate::topology::py_pex).
        Kind::Py => {
            if inputs.class_name != "-"
                && let Some(first) = inputs.args.first()
            {
                options.push(("cmdline.topology.name".to_string(), first.clone()));
            }
            let plan = PexPlan::new(file, inputs.work_dir)?;
            let c = plan.command(
                &inputs.python,
                file,
                inputs.class_name,
                defn_dir,
                inputs.args,
            );
            pex_plan = Some(plan);
            c
        }
        // Heron runs the binary named as the class, with the topology's arguments.
        Kind::Cpp => {
            let mut c = Command::new(inputs.class_name);
            c.args(inputs.args);
            c
        }
        Kind::Defn | Kind::Yaml => bail!("internal: {kind:?} is not a program"),
    };
    Ok((command, pex_plan))
}

/// Runs the program to its end; its name (for messages) when it exited 0 (`--verbose`: its
/// command line, time and output on stderr).
fn run(
    command: &mut Command,
    inputs: &ProgramInputs<'_>,
    options: &[(String, String)],
) -> anyhow::Result<String> {
    let options_text = heron_options(options)?;
    command
        .env(heron_common::env::HERON_OPTIONS, &options_text)
        .current_dir(inputs.work_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let program = command.get_program().to_string_lossy().into_owned();
    if inputs.verbose {
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        eprintln!(
            "[heron] run: HERON_OPTIONS={options_text} {}",
            stages::display_command(Path::new(&program), &args)
        );
    }
    let started = Instant::now();
    let ended = stages::run_command(command, inputs.timeout).map_err(|e| {
        CodedError::new(
            if e.kind() == std::io::ErrorKind::NotFound {
                ExitCode::NotFound
            } else {
                ExitCode::Failed
            },
            format!("cannot run the topology program {program}: {e}"),
        )
    })?;
    let output = match ended {
        Ended::Exited(o) => o,
        Ended::TimedOut => {
            return Err(CodedError::new(
                ExitCode::Unavailable,
                format!(
                    "the topology program {program} {} ran longer than {} s and was killed (raise `{}`)",
                    inputs.file.display(),
                    inputs.timeout.as_secs(),
                    stages::STAGE_TIMEOUT_KEY
                ),
            )
            .into());
        }
        Ended::Interrupted => {
            return Err(CodedError::new(
                ExitCode::Interrupted,
                format!(
                    "the topology program was stopped: heron received {}",
                    stages::signals::signal_name()
                ),
            )
            .into());
        }
    };
    if inputs.verbose {
        eprintln!(
            "[heron] topology program finished in {} ms (exit {})",
            started.elapsed().as_millis(),
            output.status
        );
        let text = String::from_utf8_lossy(&output.stdout);
        for line in text.lines() {
            eprintln!("[topology] {line}");
        }
        for line in output.stderr.lines() {
            eprintln!("[topology] {line}");
        }
    }
    if output.status != 0 {
        let stderr = &output.stderr;
        let tail: Vec<&str> = stderr
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "the topology program {} {} failed (exit {}): {}",
                program,
                inputs.file.display(),
                output.status,
                if tail.is_empty() {
                    "no output".to_string()
                } else {
                    tail.join(" | ")
                }
            ),
        )
        .into());
    }
    Ok(program)
}

/// A pex's components must not be classes of the program it runs (`__main__.X`): Heron's Python
/// instance imports each class by its module from the unzipped pex, and its own `__main__` is the
/// instance.
fn refuse_main_classes(file: &Path, topology: &Topology) -> anyhow::Result<()> {
    let Some((component, class)) = py_pex::main_classes(topology).into_iter().next() else {
        return Ok(());
    };
    Err(CodedError::new(
        ExitCode::BadInput,
        format!(
            "{}: component '{component}' is class {class}, defined in the module the pex runs as \
             its program; Heron's Python instances import each component's class by module from \
             the unzipped pex, and cannot import `__main__`. Build the pex with the function that \
             builds the topology as its entry point (`python3 -m zipapp DIR -m module:main`, \
             `pex -e module:main`) rather than a module run as the program (`pex -m module`), or \
             move the spouts and bolts into a module of their own, or submit the .py file \
             (heron builds the pex and names them by module)",
            file.display()
        ),
    )
    .into())
}

fn java_command(inputs: &ProgramInputs<'_>, mut classpath: Vec<String>) -> anyhow::Result<Command> {
    if inputs.class_name == "-" || inputs.class_name.is_empty() {
        return Err(CodedError::new(
            ExitCode::BadInput,
            "a Java topology needs its main class name, not '-'",
        )
        .into());
    }
    classpath.extend(inputs.classpath.iter().cloned());
    let mut c = Command::new(&inputs.java);
    c.arg("-client").arg("-Xmx1g");
    for p in inputs.jvm_properties {
        c.arg(format!("-D{p}"));
    }
    c.arg("-cp")
        .arg(classpath.join(":"))
        .arg(inputs.class_name)
        .args(inputs.args);
    Ok(c)
}

/// The java binary: `$JAVA_BIN`, `$JAVA_HOME/bin/java`, else `java` on PATH (as Heron's CLI).
pub fn java_binary() -> PathBuf {
    if let Some(v) = std::env::var_os("JAVA_BIN").filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    if let Some(home) = std::env::var_os("JAVA_HOME").filter(|v| !v.is_empty()) {
        let p = PathBuf::from(home).join("bin/java");
        if p.exists() {
            return p;
        }
    }
    PathBuf::from("java")
}

/// Checks `--extra-launch-classpath`: every entry must exist (a trailing `/*` names a folder).
pub fn check_classpath(classpath: &str) -> Result<Vec<String>, CodedError> {
    let mut out = Vec::new();
    for entry in classpath.split(':').filter(|e| !e.is_empty()) {
        let path = entry.strip_suffix("/*").unwrap_or(entry);
        if !Path::new(path).exists() {
            return Err(CodedError::new(
                ExitCode::BadInput,
                format!("--extra-launch-classpath entry {entry} does not exist"),
            ));
        }
        out.push(entry.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::define;
    use super::*;
    use heron_common::ExitCode;
    use heron_common::proto::api::TopologyState;
    use std::time::Instant;

    /// A "topology program" run by /bin/sh in place of python, with role `r`, environ `e`.
    /// A "pex" run with /bin/sh as python: `sh t.pex` runs it like a topology program.
    fn sh_program<'a>(file: &'a Path, work_dir: &'a Path, timeout_secs: u64) -> ProgramInputs<'a> {
        ProgramInputs {
            file,
            class_name: "-",
            args: &[],
            options: vec![],
            work_dir,
            classpath: vec![],
            jvm_properties: &[],
            java: "java".into(),
            python: "/bin/sh".into(),
            verbose: false,
            timeout: std::time::Duration::from_secs(timeout_secs),
            state: TopologyState::Running,
            role: "r",
            environ: "e",
            archive_limits: safe_tar::Limits::default(),
        }
    }

    #[test]
    fn heron_options_format() {
        let o =
            heron_options(&[("a".into(), "x y".into()), ("b".into(), "RUNNING".into())]).unwrap();
        assert_eq!(o, "a=x%%%%y,b=RUNNING");
        assert!(heron_options(&[("a".into(), "x,y".into())]).is_err());
    }

    #[test]
    fn a_program_that_writes_nothing_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let py = tmp.path().join("t.pex");
        std::fs::write(&py, "echo hello\n").unwrap();
        let inputs = sh_program(&py, tmp.path(), 30);
        let err = define(&inputs).unwrap_err().to_string();
        assert!(
            err.contains("wrote no .defn") && err.contains("cmdline.topologydefn.tmpdirectory"),
            "{err}"
        );
    }

    #[test]
    fn a_program_that_writes_two_defns_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let sh = tmp.path().join("t.pex");
        // Run with /bin/sh as "python": it reads HERON_OPTIONS like a topology program would.
        std::fs::write(
            &sh,
            "dir=$(echo \"$HERON_OPTIONS\" | tr ',' '\\n' | sed -n 's/^cmdline.topologydefn.tmpdirectory=//p')\n\
             printf 'x' > \"$dir/a.defn\"; printf 'y' > \"$dir/b.defn\"\n",
        )
        .unwrap();
        let inputs = sh_program(&sh, tmp.path(), 30);
        let err = define(&inputs).unwrap_err().to_string();
        assert!(
            err.contains("wrote 2 .defn files") && err.contains("a.defn, b.defn"),
            "{err}"
        );
    }

    #[test]
    fn a_hung_program_is_killed_at_the_timeout() {
        let tmp = tempfile::tempdir().unwrap();
        let sh = tmp.path().join("t.pex");
        std::fs::write(&sh, "sleep 30\n").unwrap();
        let inputs = sh_program(&sh, tmp.path(), 1);
        let started = Instant::now();
        let err = define(&inputs).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert!(err.to_string().contains("ran longer than 1 s"), "{err}");
        assert_eq!(crate::stages::exit_code(&err), ExitCode::Unavailable);
    }
}
