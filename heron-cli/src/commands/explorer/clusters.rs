//! `heron explorer clusters`: the clusters this CLI can reach, as Heron's explorer lists the
//! tracker's. Here they are the folders of the config root that hold cluster YAML files, plus
//! the built-in `local` cluster.

use std::path::Path;

use serde::Serialize;

use super::context;
use crate::cli::args::Format;
use crate::cli::args::explorer::ExplorerOptions;

/// One cluster (`clusters[]`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClusterEntry {
    /// Its name.
    pub name: String,
    /// `config` (a folder of the config root) or `built-in`.
    pub source: &'static str,
}

/// The folders of `root` holding at least one `.yaml` file, sorted, then `local` if missing.
pub fn list(root: &Path) -> Vec<ClusterEntry> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read_dir(e.path())
                .into_iter()
                .flatten()
                .flatten()
                .any(|f| f.path().extension().is_some_and(|x| x == "yaml"))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut out: Vec<ClusterEntry> = names
        .into_iter()
        .map(|name| ClusterEntry {
            name,
            source: "config",
        })
        .collect();
    if !out.iter().any(|c| c.name == crate::cli::embedded::LOCAL) {
        out.push(ClusterEntry {
            name: crate::cli::embedded::LOCAL.to_string(),
            source: "built-in",
        });
    }
    out
}

#[derive(Serialize)]
struct Doc {
    config_path: String,
    clusters: Vec<ClusterEntry>,
}

/// Runs the view.
pub fn run(options: &ExplorerOptions) -> anyhow::Result<()> {
    let root = context::config_root(options, "")?;
    let clusters = list(&root);
    let mut text = String::from("Available clusters:\n");
    for c in &clusters {
        text.push_str(&format!(
            "  {}{}\n",
            c.name,
            if c.source == "built-in" {
                " (built-in)"
            } else {
                ""
            }
        ));
    }
    let doc = Doc {
        config_path: root.display().to_string(),
        clusters,
    };
    super::table::emit(options.format == Format::Json, &doc, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_with_yaml_files_then_the_built_in_local() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (folder, file) in [("prod", "statemgr.yaml"), ("devcluster", "client.yaml")] {
            std::fs::create_dir_all(dir.path().join(folder)).expect("dir");
            std::fs::write(dir.path().join(folder).join(file), "").expect("file");
        }
        std::fs::create_dir_all(dir.path().join("empty")).expect("dir");
        let names: Vec<String> = list(dir.path()).into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["devcluster", "prod", "local"]);
    }
}
