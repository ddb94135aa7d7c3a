//! Getting a topology definition, and what a topology travels in: run the user's program with
//! `HERON_OPTIONS` (heron-aurora.md §4.3, §4.4) and read the `.defn` it writes, or read a
//! `.defn` / our YAML format directly; then build the package.
//!
//! # Layout
//! - here: the [`Kind`]s of topology file and [`define`], which reads a [`Definition`] of each;
//! - [`program`]: running a topology program; [`py_pex`]: the pex a `.py` becomes;
//!   [`safe_tar`]: unpacking a `.tar`/`.tar.gz` topology safely; [`yaml`]: our YAML format;
//! - [`download`]: a topology file given as an http(s) URL;
//! - [`package`]: `topology.tar.gz` (with its parallel gzip writer) and [`release`], the
//!   release file it carries.

pub mod download;
pub mod package;
pub mod program;
pub mod py_pex;
pub mod release;
pub mod safe_tar;
pub mod yaml;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::{Topology, TopologyState};
use prost::Message as _;

/// The kinds of topology file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Java jar.
    Jar,
    /// A tar or tar.gz holding jars.
    Tar,
    /// A Python pex.
    Pex,
    /// A Python source file.
    Py,
    /// A serialized `Topology`.
    Defn,
    /// Our YAML format.
    Yaml,
    /// A C++ topology library (`.so`, `.dylib`); the class name is the program that defines it.
    Cpp,
}

impl Kind {
    /// The kind from the file name, or a usage error listing the accepted ones.
    pub fn of(path: &Path) -> Result<Kind, CodedError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let kind = if name.ends_with(".jar") {
            Kind::Jar
        } else if name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Kind::Tar
        } else if name.ends_with(".pex") {
            Kind::Pex
        } else if name.ends_with(".py") {
            Kind::Py
        } else if name.ends_with(".defn") {
            Kind::Defn
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            Kind::Yaml
        } else if name.ends_with(".so") || name.ends_with(".dylib") {
            Kind::Cpp
        } else {
            return Err(CodedError::new(
                ExitCode::BadInput,
                format!(
                    "unknown topology file type: {}; use .jar, .tar, .tar.gz, .pex, .py, .so, .dylib, .defn or .yaml",
                    path.display()
                ),
            ));
        };
        Ok(kind)
    }
}

/// The name a tar topology's jar has: the archive's file name without `.tar.gz`, `.tgz` or
/// `.tar` (any case), or `None` when it is not one of those. Heron's `makeClassPath` strips
/// `.tar.gz` and `.tar`; `.tgz` is the same archive. Both the topology program's classpath and
/// the executor's `--classpath` use it, so they name the same jar.
pub fn tar_jar_stem(file_name: &str) -> Option<&str> {
    [".tar.gz", ".tgz", ".tar"].iter().find_map(|suffix| {
        let cut = file_name.len().checked_sub(suffix.len())?;
        (file_name.is_char_boundary(cut) && file_name[cut..].eq_ignore_ascii_case(suffix))
            .then(|| &file_name[..cut])
    })
}

/// How to run the topology program.
#[derive(Debug, Clone)]
pub struct ProgramInputs<'a> {
    /// The topology file.
    pub file: &'a Path,
    /// The class name (`-`: run the file itself).
    pub class_name: &'a str,
    /// The topology's arguments.
    pub args: &'a [String],
    /// The `HERON_OPTIONS` pairs (without the tmp dir, added here).
    pub options: Vec<(String, String)>,
    /// A private folder for the program's output.
    pub work_dir: &'a Path,
    /// `--extra-launch-classpath` and the API classpath, `:`-separated entries.
    pub classpath: Vec<String>,
    /// `--topology-main-jvm-property`.
    pub jvm_properties: &'a [String],
    /// The java binary.
    pub java: PathBuf,
    /// The python binary.
    pub python: PathBuf,
    /// Print the command and its time.
    pub verbose: bool,
    /// Kill the program after this long.
    pub timeout: std::time::Duration,
    /// Initial state (for YAML files).
    pub state: TopologyState,
    /// Role and environment (for YAML files' team keys).
    pub role: &'a str,
    /// The environment.
    pub environ: &'a str,
    /// How much a `.tar`/`.tar.gz` topology may unpack to.
    pub archive_limits: safe_tar::Limits,
}

/// A topology definition and its serialized bytes.
#[derive(Debug, Clone)]
pub struct Definition {
    /// The topology.
    pub topology: Topology,
    /// The `.defn` bytes (as written by the program, or encoded from YAML).
    pub bytes: Vec<u8>,
    /// The file to ship as the topology binary instead of the topology file: the pex built from a
    /// `.py` (see [`crate::topology::py_pex`]).
    pub package_file: Option<PathBuf>,
}

/// Reads a topology definition of any kind.
pub fn define(inputs: &ProgramInputs<'_>) -> anyhow::Result<Definition> {
    let kind = Kind::of(inputs.file)?;
    match kind {
        Kind::Defn => {
            let bytes = std::fs::read(inputs.file)
                .with_context(|| format!("cannot read {}", inputs.file.display()))?;
            decode(&bytes, inputs.file)
        }
        Kind::Yaml => {
            let topology = yaml::load(inputs.file, inputs.state, inputs.role, inputs.environ)
                .map_err(|e| CodedError::new(ExitCode::BadInput, e.to_string()))?;
            Ok(Definition {
                bytes: topology.encode_to_vec(),
                topology,
                package_file: None,
            })
        }
        Kind::Jar | Kind::Tar | Kind::Pex | Kind::Py | Kind::Cpp => {
            program::run_program(kind, inputs)
        }
    }
}

/// Why a `.defn` topology file could never start, if it could not: it ships no code, so a Python
/// component (which Heron's Python instances import from the topology's pex) has nothing to load.
pub fn defn_without_code_problem(topology: &Topology, from: &Path) -> Option<String> {
    let component = yaml::first_python_component(topology)?;
    Some(format!(
        "{}: component '{component}' is a Python class: a .defn ships no code, and Heron's Python \
         instances import their classes from the topology's pex, so it would never start. Submit \
         the .py (heron builds the pex) or the .pex that wrote it",
        from.display()
    ))
}

fn decode(bytes: &[u8], from: &Path) -> anyhow::Result<Definition> {
    // Required fields and Heron's checks (name, id, unique components, known input streams).
    let what = from.display().to_string();
    let topology: Topology = heron_common::defn::decode_topology(bytes, &what)?;
    Ok(Definition {
        topology,
        bytes: bytes.to_vec(),
        package_file: None,
    })
}

pub use self::program::{check_classpath, heron_options, java_binary};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(Kind::of(Path::new("a.JAR")).unwrap(), Kind::Jar);
        assert_eq!(Kind::of(Path::new("a.tar.gz")).unwrap(), Kind::Tar);
        assert_eq!(Kind::of(Path::new("a.yml")).unwrap(), Kind::Yaml);
        assert_eq!(Kind::of(Path::new("a.defn")).unwrap(), Kind::Defn);
        assert_eq!(Kind::of(Path::new("libwc.so")).unwrap(), Kind::Cpp);
        assert_eq!(Kind::of(Path::new("wc.tgz")).unwrap(), Kind::Tar);
        assert_eq!(
            Kind::of(Path::new("a.zip")).unwrap_err().code,
            ExitCode::BadInput
        );
    }

    #[test]
    fn a_tar_names_its_jar_without_any_archive_suffix() {
        assert_eq!(tar_jar_stem("word-count.tgz"), Some("word-count"));
        assert_eq!(tar_jar_stem("wc.tar.gz"), Some("wc"));
        assert_eq!(tar_jar_stem("wc.TAR"), Some("wc"));
        assert_eq!(
            tar_jar_stem("wc.tar.tgz"),
            Some("wc.tar"),
            "one suffix only"
        );
        assert_eq!(tar_jar_stem("wc.jar"), None);
        assert_eq!(tar_jar_stem("é.tgz"), Some("é"));
        assert_eq!(tar_jar_stem("gz"), None);
    }
}
