//! A `.py` topology file, made into what Heron's Python instances can run: a pex.
//!
//! Heron 0.20.5 never runs a topology's `.py` file on a container. Its executor unzips the
//! package's topology file (`--pkg-type=pex`: `unzip -qq -n <file>`), and each Python instance
//! adds that folder to `sys.path` and imports its component's class by the name in the `.defn`
//! (`heron/common/src/python/pex_loader.py`). Heron's own CLI accepts only a `.pex` for that
//! reason. A plain `.py` shipped as the package would fail every instance with `BadZipFile`.
//!
//! So `heron submit` runs the `.py` program (`py_pex/build.py`) and, from what it loaded, writes
//! `<stem>.pex`: the file as module `<module>.py`, the modules it imported from its own folder,
//! and a `__main__.py` that runs it. Component classes the program defined in the file itself
//! are named `__main__.X` in the `.defn` when it runs as a script; an instance cannot import
//! those (its `__main__` is the instance), so they are renamed `<module>.X`, the name they have in
//! the pex. Before anything is submitted, the same script unzips the pex into a folder of its own
//! and imports every component class from there alone, as the instance would; a topology that
//! would not start on the cluster is refused (exit 2) with how to build the pex by hand. What
//! cannot come along is refused too: packages from outside the file's folder that Heron's
//! instance does not bring (it has the standard library, heronpy and heronpy's requirements).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::Topology;

/// Runs the program, writes the pex, checks it and writes its manifest.
const BUILD_SCRIPT: &str = include_str!("py_pex/build.py");

/// Python's keywords, which cannot name a module.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The pex heron writes for a `.py` file, and the module the file is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PexPlan {
    /// `<work>/pex/<stem>.pex`.
    pub pex: PathBuf,
    /// `<work>/pex/manifest.json`.
    pub manifest: PathBuf,
    /// `<work>/pex/build.py`, the wrapper.
    pub script: PathBuf,
    /// The module name of the file in the pex.
    pub module: String,
}

impl PexPlan {
    /// Where the pex of `file` goes under `work_dir`, and the module name the file gets: its
    /// stem, with what Python cannot import written `_`.
    pub fn new(file: &Path, work_dir: &Path) -> anyhow::Result<PexPlan> {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut module: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if module.is_empty()
            || module.starts_with(|c: char| c.is_ascii_digit())
            || KEYWORDS.contains(&module.as_str())
        {
            module.insert(0, '_');
        }
        let dir = work_dir.join("pex");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let script = dir.join("build.py");
        std::fs::write(&script, BUILD_SCRIPT)
            .with_context(|| format!("cannot write {}", script.display()))?;
        Ok(PexPlan {
            pex: dir.join(format!("{stem}.pex")),
            manifest: dir.join("manifest.json"),
            script,
            module,
        })
    }

    /// `python build.py FILE MODULE CLASS PEX MANIFEST DEFN_DIR ARGS...`.
    pub fn command(
        &self,
        python: &Path,
        file: &Path,
        class_name: &str,
        defn_dir: &Path,
        args: &[String],
    ) -> Command {
        let mut c = Command::new(python);
        c.arg(&self.script)
            .arg(file)
            .arg(&self.module)
            .arg(class_name)
            .arg(&self.pex)
            .arg(&self.manifest)
            .arg(defn_dir)
            .args(args);
        c
    }
}

/// What `build.py` wrote about the pex.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Manifest {
    /// Set when the file cannot become a pex (nothing was run).
    #[serde(default)]
    refused: Option<String>,
    /// The pex's files.
    #[serde(default)]
    files: Vec<String>,
    /// Distributions the program imported that neither the pex nor Heron's instance has.
    #[serde(default)]
    foreign: Vec<String>,
    /// The component classes loaded from the pex alone.
    #[serde(default)]
    checked: Vec<String>,
    /// Why the classes could not be read from the `.defn`, when they could not.
    #[serde(default)]
    unchecked: Option<String>,
    /// Why some of them did not load.
    #[serde(default)]
    load_errors: Vec<String>,
}

/// How to build the pex by hand, for messages; `packages` are what it needs besides heronpy.
pub fn recipe(file: &Path, packages: &[String]) -> String {
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |p| p.display().to_string());
    let stem = file
        .file_stem()
        .map_or_else(|| "topology".into(), |s| s.to_string_lossy().into_owned());
    let build = if packages.is_empty() {
        format!("`python3 -m zipapp {folder} -m {stem}:main -o {stem}.pex`")
    } else {
        format!(
            "`pex heronpy==0.20.5 {} -D {folder} -e {stem}:main -o {stem}.pex`",
            packages.join(" ")
        )
    };
    format!(
        "build the pex yourself, e.g. {build} (`{stem}:main` being the function that builds the \
         topology: a module run as the program makes its classes `__main__.X`, which Heron's \
         instances cannot import), and submit `{stem}.pex` with `-`"
    )
}

fn refused(file: &Path, why: String, packages: &[String]) -> anyhow::Error {
    CodedError::new(
        ExitCode::BadInput,
        format!(
            "{}: cannot run on Heron as a pex: {why}; {}",
            file.display(),
            recipe(file, packages)
        ),
    )
    .into()
}

/// After the program ran: what went into the pex, or why the file cannot become one.
pub fn manifest(plan: &PexPlan, file: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read_to_string(&plan.manifest).with_context(|| {
        format!(
            "the .py wrapper wrote no manifest at {}",
            plan.manifest.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("cannot read {}", plan.manifest.display()))?;
    match manifest.refused {
        Some(why) => Err(refused(file, why, &[])),
        None => Ok(manifest),
    }
}

/// Renames the file's own `__main__.X` classes to the names they have in the pex, after the
/// wrapper loaded every component class from the pex alone. Returns how many were renamed.
pub fn finish(
    plan: &PexPlan,
    manifest: &Manifest,
    file: &Path,
    topology: &mut Topology,
    verbose: bool,
) -> anyhow::Result<usize> {
    if !manifest.foreign.is_empty() {
        return Err(refused(
            file,
            format!(
                "it imports {} from outside its folder, which Heron's Python instance does not have \
                 (it brings the standard library, heronpy and heronpy's requirements) and a pex of \
                 the folder would not hold",
                manifest.foreign.join(", ")
            ),
            &manifest.foreign,
        ));
    }
    if !manifest.load_errors.is_empty() {
        let hint = if manifest
            .load_errors
            .iter()
            .any(|e| e.contains("HERON_OPTIONS"))
        {
            " (Heron's instances have no HERON_OPTIONS: importing the module must not run the \
             topology program, which belongs under `if __name__ == '__main__':`, nor define a \
             heronpy Topology subclass, whose class statement reads HERON_OPTIONS; keep the \
             spouts and bolts in a module of their own)"
        } else {
            ""
        };
        return Err(refused(
            file,
            format!(
                "its component classes do not load from the pex as Heron's Python instance loads \
                 them (unzipped in a folder of their own, without {}'s folder on sys.path, \
                 without HERON_OPTIONS): {}{hint}",
                file.display(),
                manifest.load_errors.join("; ")
            ),
            &[],
        ));
    }
    let renamed = rename_main_classes(topology, &plan.module);
    let classes = python_classes(topology);
    if let (Some(why), false) = (&manifest.unchecked, classes.is_empty()) {
        return Err(refused(
            file,
            format!("its component classes could not be loaded from the pex: {why}"),
            &[],
        ));
    }
    if let Some(missing) = classes.iter().find(|c| !manifest.checked.contains(c)) {
        anyhow::bail!(
            "internal: the pex wrapper did not check class {missing} of {}",
            file.display()
        );
    }
    if verbose {
        eprintln!(
            "[heron] {} built from {}: {}; {renamed} class(es) renamed from __main__ to {}",
            plan.pex.display(),
            file.display(),
            manifest.files.join(", "),
            plan.module
        );
    }
    Ok(renamed)
}

/// `__main__.X` → `<module>.X` in every component's class name.
pub fn rename_main_classes(topology: &mut Topology, module: &str) -> usize {
    let mut renamed = 0;
    let comps = topology
        .spouts
        .iter_mut()
        .map(|s| &mut s.comp)
        .chain(topology.bolts.iter_mut().map(|b| &mut b.comp));
    for comp in comps {
        if let Some(name) = comp.class_name.as_mut()
            && let Some(rest) = name.strip_prefix("__main__.")
        {
            *name = format!("{module}.{rest}");
            renamed += 1;
        }
    }
    renamed
}

/// The class names of the Python components (`PYTHON_CLASS_NAME`), in order, distinct.
pub fn python_classes(topology: &Topology) -> Vec<String> {
    let py = heron_common::proto::api::ComponentObjectSpec::PythonClassName as i32;
    let mut out: Vec<String> = Vec::new();
    for comp in topology
        .spouts
        .iter()
        .map(|s| &s.comp)
        .chain(topology.bolts.iter().map(|b| &b.comp))
    {
        if comp.spec == Some(py)
            && let Some(name) = &comp.class_name
            && !out.contains(name)
        {
            out.push(name.clone());
        }
    }
    out
}

/// Components whose class is `__main__.X`: defined in the program a pex runs, which Heron's
/// instances cannot import. `(component, class)`.
pub fn main_classes(topology: &Topology) -> Vec<(String, String)> {
    topology
        .spouts
        .iter()
        .map(|s| &s.comp)
        .chain(topology.bolts.iter().map(|b| &b.comp))
        .filter_map(|c| {
            c.class_name
                .as_ref()
                .filter(|n| n.starts_with("__main__."))
                .map(|n| (c.name.clone(), n.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_common::topology::TopologyBuilder;

    #[test]
    fn module_names_are_importable() {
        let tmp = tempfile::tempdir().unwrap();
        let name = |f: &str| PexPlan::new(Path::new(f), tmp.path()).unwrap();
        assert_eq!(name("dir/word_count.py").module, "word_count");
        assert_eq!(name("word-count.py").module, "word_count");
        assert_eq!(
            name("word-count.py").pex,
            tmp.path().join("pex/word-count.pex")
        );
        assert_eq!(name("2wc.py").module, "_2wc");
        assert_eq!(name("class.py").module, "_class");
        assert_eq!(name("héron.py").module, "h_ron");
    }

    #[test]
    fn main_classes_take_the_module_name() {
        let mut t = TopologyBuilder::new("wc")
            .id("wc-1")
            .spout("word", 1)
            .bolt("count", 1)
            .build();
        t.spouts[0].comp.class_name = Some("__main__.WordSpout".into());
        t.bolts[0].comp.class_name = Some("bolts.CountBolt".into());
        assert_eq!(
            main_classes(&t),
            vec![("word".to_string(), "__main__.WordSpout".to_string())]
        );
        assert_eq!(rename_main_classes(&mut t, "word_count"), 1);
        assert_eq!(
            t.spouts[0].comp.class_name.as_deref(),
            Some("word_count.WordSpout")
        );
        assert_eq!(
            t.bolts[0].comp.class_name.as_deref(),
            Some("bolts.CountBolt")
        );
        assert!(main_classes(&t).is_empty());
    }

    #[test]
    fn the_recipe_names_the_folder_and_the_pex() {
        let r = recipe(Path::new("src/wc.py"), &[]);
        assert!(
            r.contains("`python3 -m zipapp src -m wc:main -o wc.pex`"),
            "{r}"
        );
        let r = recipe(Path::new("wc.py"), &["kazoo".to_string()]);
        assert!(
            r.contains("`pex heronpy==0.20.5 kazoo -D . -e wc:main -o wc.pex`"),
            "{r}"
        );
    }
}
