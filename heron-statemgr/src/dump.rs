//! `heron-statemgr dump`: many nodes of many topologies, decoded, in one process and one document.
//!
//! What a cluster-wide view needs (`heron explorer topologies` over 1,000 topologies) would cost
//! one process and one ZooKeeper session per node with `get`. Here it is one `list` (a single
//! ZooKeeper multi-read of the folders) and then only the nodes that exist, read side by side over
//! the one session. Reads only: nothing is created, no lock is taken.
//!
//! A node that exists but does not decode is reported in the topology's `errors` (and on stderr)
//! instead of failing the whole dump, so one corrupt topology does not hide the others. A backend
//! failure (ZooKeeper down, denied) still fails the command with its exit code.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use anyhow::Context as _;

use futures::StreamExt as _;
use heron_common::Error;
use heron_common::contract::TopologyNodes;

use crate::cli::Format;
use crate::codec;
use crate::kind::{LOCKS_DIR, NodeKind, check_topology_name};
use crate::store::StateManager;

/// How many node reads are in flight at once: enough to fill the round trips to ZooKeeper, few
/// enough to keep the answers' memory small.
pub const READS_IN_FLIGHT: usize = 64;

/// Reads `kinds` of `topologies` (every topology with state when empty), in the order given
/// (sorted by name when listing all).
pub async fn dump(
    store: &dyn StateManager,
    topologies: &[String],
    kinds: &[NodeKind],
) -> Result<Vec<TopologyNodes>, Error> {
    for name in topologies {
        check_topology_name(name)?;
    }
    let listing = store.list().await?;
    let listed: HashMap<&str, &Vec<String>> = listing
        .iter()
        .map(|l| (l.topology.as_str(), &l.nodes))
        .collect();
    let present: HashMap<&str, BTreeSet<&str>> = listing
        .iter()
        .map(|l| {
            (
                l.topology.as_str(),
                l.nodes.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let names: Vec<String> = if topologies.is_empty() {
        listing.iter().map(|l| l.topology.clone()).collect()
    } else {
        let mut seen = BTreeSet::new();
        topologies
            .iter()
            .filter(|t| seen.insert(t.as_str()))
            .cloned()
            .collect()
    };
    let mut out: Vec<TopologyNodes> = names
        .iter()
        .map(|name| TopologyNodes {
            topology: name.clone(),
            nodes: BTreeMap::new(),
            absent: Vec::new(),
            errors: BTreeMap::new(),
            present: listed
                .get(name.as_str())
                .map(|dirs| dirs.iter().filter(|d| *d != LOCKS_DIR).cloned().collect())
                .unwrap_or_default(),
            locked: present
                .get(name.as_str())
                .is_some_and(|dirs| dirs.contains(LOCKS_DIR)),
        })
        .collect();
    // Only what the listing saw is read; the rest is absent without asking again.
    let mut reads = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let dirs = present.get(name.as_str());
        for kind in kinds {
            if dirs.is_some_and(|d| d.contains(kind.dir())) {
                reads.push((index, *kind));
            } else {
                out[index].absent.push(kind.dir().to_string());
            }
        }
    }
    let mut results = futures::stream::iter(reads)
        .map(|(index, kind)| {
            let name = &names[index];
            async move { (index, kind, store.get(kind, name).await) }
        })
        .buffered(READS_IN_FLIGHT);
    while let Some((index, kind, result)) = results.next().await {
        let entry = &mut out[index];
        match result? {
            // Deleted between the listing and the read.
            None => entry.absent.push(kind.dir().to_string()),
            Some(node) => match codec::to_json(kind, &node.data, &node.location) {
                Ok(json) => {
                    entry.nodes.insert(kind.dir().to_string(), json);
                }
                Err(err) => {
                    eprintln!("warning: {err}");
                    entry.errors.insert(kind.dir().to_string(), err.to_string());
                }
            },
        }
    }
    for entry in &mut out {
        entry
            .absent
            .sort_by_key(|dir| NodeKind::from_dir(dir).map(|k| k as usize));
    }
    Ok(out)
}

/// The `dump` command: JSON (the default) is one compact array of [`TopologyNodes`]; text is
/// `<folder>/<topology>` headers, each followed by the node as `get --format text` shows it.
pub async fn run(
    store: &dyn StateManager,
    topologies: &[String],
    kinds: &[String],
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<heron_common::ExitCode> {
    let kinds = parse_kinds(kinds)?;
    let dumped = dump(store, topologies, &kinds).await?;
    if format.unwrap_or(Format::Json) == Format::Json {
        let text = serde_json::to_string(&dumped).context("cannot render JSON")?;
        writeln!(out, "{text}").context("cannot write to stdout")?;
        return Ok(heron_common::ExitCode::Ok);
    }
    for entry in &dumped {
        for (dir, json) in &entry.nodes {
            writeln!(out, "{dir}/{}", entry.topology).context("cannot write to stdout")?;
            for line in codec::to_text_lines(json) {
                writeln!(out, "  {line}").context("cannot write to stdout")?;
            }
        }
        for (dir, why) in &entry.errors {
            writeln!(out, "{dir}/{}: {why}", entry.topology).context("cannot write to stdout")?;
        }
        if !entry.absent.is_empty() {
            writeln!(
                out,
                "absent for {}: {}",
                entry.topology,
                entry.absent.join(" ")
            )
            .context("cannot write to stdout")?;
        }
    }
    Ok(heron_common::ExitCode::Ok)
}

/// Parses `--kind` values (repeatable, each also comma-separated); none means every kind.
pub fn parse_kinds(values: &[String]) -> Result<Vec<NodeKind>, Error> {
    let mut kinds = Vec::new();
    for value in values {
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let kind: NodeKind = name.parse()?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    if kinds.is_empty() {
        kinds = NodeKind::ALL.to_vec();
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::localfs::LocalFsStateManager;
    use crate::store::WriteMode;
    use heron_common::proto::system::ExecutionState;
    use prost::Message as _;

    fn exec(name: &str) -> Vec<u8> {
        ExecutionState {
            topology_name: name.into(),
            topology_id: format!("{name}-id"),
            cluster: "c".into(),
            environ: "e".into(),
            role: "r".into(),
            ..Default::default()
        }
        .encode_to_vec()
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn reads_present_nodes_reports_absent_and_corrupt_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = LocalFsStateManager::new(dir.path(), true);
        block_on(async {
            for name in ["b", "a"] {
                store
                    .set(
                        NodeKind::ExecutionState,
                        name,
                        &exec(name),
                        WriteMode::Create,
                    )
                    .await
                    .expect("set");
            }
        });
        // A node that is there but holds garbage.
        std::fs::write(dir.path().join("tmanagers").join("a"), b"\xff\xff").expect("garbage");
        let kinds = [
            NodeKind::ExecutionState,
            NodeKind::TManager,
            NodeKind::Topology,
        ];
        let all = block_on(dump(&store, &[], &kinds)).expect("dump");
        let names: Vec<&str> = all.iter().map(|t| t.topology.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(all[0].nodes["executionstate"]["topology_id"], "a-id");
        assert_eq!(all[0].absent, ["topologies"]);
        assert!(all[0].errors.contains_key("tmanagers"), "{:?}", all[0]);
        assert_eq!(all[1].absent, ["topologies", "tmanagers"]);
        assert_eq!(all[0].present, ["executionstate", "tmanagers"]);
        let one =
            block_on(dump(&store, &["b".into(), "zz".into(), "b".into()], &kinds)).expect("dump");
        assert_eq!(one.len(), 2);
        assert_eq!(one[1].topology, "zz");
        assert!(one[1].nodes.is_empty());
        assert_eq!(one[1].absent.len(), 3);
        assert!(block_on(dump(&store, &["a/b".into()], &kinds)).is_err());
    }

    #[test]
    fn kinds_by_any_name_comma_separated_default_all() {
        let kinds = parse_kinds(&["pplan,topologies".into(), "pplans".into()]).expect("kinds");
        assert_eq!(kinds, [NodeKind::PhysicalPlan, NodeKind::Topology]);
        assert_eq!(parse_kinds(&[]).expect("all").len(), NodeKind::ALL.len());
        assert!(parse_kinds(&["nodes".into()]).is_err());
    }
}
