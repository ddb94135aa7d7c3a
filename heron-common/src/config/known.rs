//! The keys this project knows besides Heron's cluster keys ([`super::keys::KNOWN_KEYS`]): its
//! own keys (docs/config-keys.md) and the topology's settings of Heron's API
//! (`org.apache.heron.api.Config`), each with its type, so [`super::check_type`] checks them
//! wherever a value comes from (a file, an override file, `--config-property`).
//!
//! And what a `--config-property` of a key nobody reads gets: a warning, not a refusal, since
//! Heron's keys are open-ended (a site's own scheduler or uploader may read any key). A key is
//! known when it is in a table here or in [`super::keys`], or is set by one of the cluster's files;
//! otherwise the warning names the closest known key, to catch a typo. A topology setting
//! (`topology.*`) is read from the topology, never from the cluster config, so setting one on the
//! command line changes nothing, in Heron as here: that gets its own warning.

use std::path::Path;

use super::Config;
use super::keys::{self, KeyType};

use KeyType::{Bool, Float, Int, String as Str};

/// This project's own keys (docs/config-keys.md; a test keeps the two in step).
pub const OWN_KEYS: &[(&str, KeyType)] = &[
    // heron
    ("heron.cli.stage.uploader", Str),
    ("heron.cli.stage.statemgr", Str),
    ("heron.cli.stage.render", Str),
    ("heron.cli.stage.aurora", Str),
    ("heron.cli.stage.timeout.secs", Int),
    ("heron.cli.aurora.timeout.secs", Int),
    ("heron.cli.tmanager.timeout.secs", Int),
    ("heron.cli.kill.delete.package", Bool),
    ("heron.cli.python", Str),
    ("heron.cli.topology.classpath", Str),
    ("heron.cli.topology.archive.max.bytes", Int),
    ("heron.cli.topology.archive.max.entries", Int),
    ("heron.cli.topology.download.max.bytes", Int),
    ("heron.cli.topology.download.timeout.secs", Int),
    // heron-uploader
    ("heron.uploader.localfs.fsync", Bool),
    ("heron.uploader.hdfs.connect.timeout.seconds", Int),
    ("heron.uploader.s3.package.uri.scheme", Str),
    ("heron.uploader.s3.part.size.bytes", Int),
    ("heron.uploader.s3.parts.in.flight", Int),
    ("heron.uploader.s3.payload.signing", Str),
    ("heron.uploader.s3.max.attempts", Int),
    ("heron.uploader.s3.connect.timeout.ms", Int),
    ("heron.uploader.s3.read.timeout.ms", Int),
    ("heron.uploader.s3.attempt.timeout.ms", Int),
    // heron-statemgr
    ("heron.statemgr.zookeeper.operation.timeout.ms", Int),
    ("heron.statemgr.zookeeper.acl", Str),
    ("heron.statemgr.localfs.fsync", Bool),
    ("heron.statemgr.zookeeper.auth.digest", Str),
];

/// Families of our own keys named by a prefix (`heron.aurora.fetch.command.<scheme>`).
pub const OWN_KEY_PREFIXES: &[(&str, KeyType)] = &[("heron.aurora.fetch.command.", Str)];

/// Topology settings of Heron's API (`org.apache.heron.api.Config`, Heron 0.20.5), with the
/// type Heron parses them as. Read from the topology, not from the cluster config.
pub const TOPOLOGY_KEYS: &[(&str, KeyType)] = &[
    ("topology.name", Str),
    ("topology.stmgrs", Int),
    ("topology.component.parallelism", Int),
    ("topology.message.timeout.secs", Int),
    ("topology.max.spout.pending", Int),
    ("topology.tick.tuple.freq.ms", Int),
    ("topology.enable.message.timeouts", Bool),
    ("topology.debug", Bool),
    ("topology.acking", Bool),
    ("topology.reliability.mode", Str),
    ("topology.worker.childopts", Str),
    ("topology.component.jvmopts", Str),
    ("topology.serializer.classname", Str),
    ("topology.container.cpu", Float),
    ("topology.container.ram", Int),
    ("topology.container.disk", Int),
    ("topology.container.max.cpu.hint", Float),
    ("topology.container.max.ram.hint", Int),
    ("topology.container.max.disk.hint", Int),
    ("topology.container.max.instances", Int),
    ("topology.container.padding.percentage", Int),
    ("topology.container.ram.padding", Int),
    ("topology.container.cpu.padding", Float),
    ("topology.component.cpumap", Str),
    ("topology.component.rammap", Str),
    ("topology.component.diskmap", Str),
    ("topology.packing.ffd.sorting.strategy", Str),
    ("topology.stateful.checkpoint.interval.seconds", Int),
    ("topology.stateful.start.clean", Bool),
    ("topology.stateful.checkpointmanager.ram", Int),
    ("topology.stateful.spill.state", Bool),
    ("topology.stateful.spill.state.location", Str),
    ("topology.stmgr.ram", Int),
    ("topology.metricsmgr.ram", Int),
    ("topology.team.name", Str),
    ("topology.team.email", Str),
    ("topology.team.environment", Str),
    ("topology.cap.ticket", Str),
    ("topology.project.name", Str),
    ("topology.additional.classpath", Str),
    ("topology.update.deactivate.wait.secs", Int),
    ("topology.update.reactivate.wait.secs", Int),
    ("topology.remote.debugging.enable", Bool),
    ("topology.droptuples.upon.backpressure", Bool),
];

fn find(table: &[(&'static str, KeyType)], key: &str) -> Option<KeyType> {
    table.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The type of one of the keys of this module, if it is one.
pub fn key_type(key: &str) -> Option<KeyType> {
    find(OWN_KEYS, key)
        .or_else(|| find(TOPOLOGY_KEYS, key))
        .or_else(|| {
            OWN_KEY_PREFIXES
                .iter()
                .find(|(prefix, _)| key.starts_with(prefix) && key.len() > prefix.len())
                .map(|(_, t)| *t)
        })
}

/// Whether `key` is one of Heron's topology settings.
pub fn is_topology_key(key: &str) -> bool {
    find(TOPOLOGY_KEYS, key).is_some()
}

/// Every key known by name: Heron's cluster keys, the defaults, ours, the topology's.
fn all_known() -> impl Iterator<Item = &'static str> {
    keys::KNOWN_KEYS
        .iter()
        .map(|(k, _)| *k)
        .chain(keys::DEFAULTS.iter().map(|(k, _)| *k))
        .chain(OWN_KEYS.iter().map(|(k, _)| *k))
        .chain(TOPOLOGY_KEYS.iter().map(|(k, _)| *k))
}

/// Whether `key` is known by name or family (not counting the cluster's files).
pub fn is_known(key: &str) -> bool {
    keys::key_type(key).is_some() || all_known().any(|k| k == key)
}

/// Levenshtein distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The known key closest to `key` (a typo's likely meaning), if one is close: at most a third of
/// its characters (at least 3) edited. `extra` adds keys known from elsewhere (the cluster's files).
pub fn closest_known<'a>(key: &str, extra: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(3);
    all_known()
        .map(|k| -> &'a str { k })
        .chain(extra)
        .filter(|k| *k != key)
        .map(|k| (distance(key, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The warnings for `--config-property` keys that nothing reads: topology settings, and keys
/// neither known ([`is_known`]) nor set by one of the cluster's files in `config` (an entry
/// from `except`, the override file the properties were written to, does not count).
pub fn property_warnings(
    properties: &[(String, String)],
    config: &Config,
    except: Option<&Path>,
) -> Vec<String> {
    let from_files: Vec<&str> = config
        .iter()
        .filter(|(_, entry)| {
            entry
                .origin
                .as_deref()
                .is_some_and(|origin| Some(origin) != except)
        })
        .map(|(key, _)| key.as_str())
        .collect();
    let mut warnings = Vec::new();
    for (key, _) in properties {
        if is_topology_key(key) {
            warnings.push(format!(
                "--config-property {key}: a topology setting, which is read from the topology \
                 itself (its program's config, or a YAML topology's `config:`), never from the \
                 cluster config; setting it here changes nothing (as in Heron)"
            ));
        } else if !is_known(key) && !from_files.contains(&key.as_str()) {
            let hint = closest_known(key, from_files.iter().copied())
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            warnings.push(format!(
                "--config-property {key}: no key of that name is known or set in the cluster's \
                 files; it is passed on as given{hint}"
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Value;

    #[test]
    fn tables_have_no_duplicates_and_no_overlap_with_herons_keys() {
        let mut all: Vec<&str> = OWN_KEYS
            .iter()
            .chain(TOPOLOGY_KEYS)
            .map(|(k, _)| *k)
            .collect();
        all.sort_unstable();
        let n = all.len();
        all.dedup();
        assert_eq!(n, all.len(), "a key is listed twice");
        for key in &all {
            assert!(
                keys::KNOWN_KEYS.iter().all(|(k, _)| k != key),
                "{key} is in KNOWN_KEYS too"
            );
        }
    }

    /// docs/config-keys.md lists exactly [`OWN_KEYS`] (and the prefix families) in its tables.
    #[test]
    fn the_docs_list_every_own_key() {
        let docs = include_str!("../../../docs/config-keys.md");
        let mut documented: Vec<String> = docs
            .lines()
            .filter(|l| l.starts_with("| `heron."))
            .filter_map(|l| l.split('`').nth(1).map(str::to_string))
            .filter(|k| !k.ends_with('*'))
            .collect();
        documented.sort();
        let mut ours: Vec<String> = OWN_KEYS
            .iter()
            .map(|(k, _)| (*k).to_string())
            .chain(OWN_KEY_PREFIXES.iter().map(|(p, _)| format!("{p}<scheme>")))
            .collect();
        ours.sort();
        assert_eq!(documented, ours);
    }

    #[test]
    fn types_of_own_topology_and_prefix_keys() {
        assert_eq!(key_type("topology.stmgrs"), Some(Int));
        assert_eq!(key_type("heron.cli.kill.delete.package"), Some(Bool));
        assert_eq!(key_type("heron.aurora.fetch.command.gs"), Some(Str));
        assert_eq!(key_type("heron.aurora.fetch.command."), None);
        assert_eq!(keys::key_type("topology.stmgrs"), Some(Int));
    }

    #[test]
    fn a_typo_gets_the_closest_key() {
        assert_eq!(
            closest_known("heron.packing.algorithm", []),
            Some("heron.class.packing.algorithm")
        );
        assert_eq!(
            closest_known("heron.cli.stage.timout.secs", []),
            Some("heron.cli.stage.timeout.secs")
        );
        assert_eq!(closest_known("my.site.key", []), None);
        assert_eq!(
            closest_known("site.scheduler.hostt", ["site.scheduler.host"]),
            Some("site.scheduler.host")
        );
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn warnings_for_unknown_and_topology_keys_only() {
        let mut config = Config::new();
        config.set(
            "site.key",
            Value::String("x".into()),
            Some(Path::new("/c/scheduler.yaml").to_path_buf()),
        );
        config.set(
            "heron.packing.algorithm",
            Value::String("x".into()),
            Some(Path::new("/tmp/override.yaml").to_path_buf()),
        );
        let props = |keys: &[&str]| -> Vec<(String, String)> {
            keys.iter()
                .map(|k| ((*k).to_string(), "1".to_string()))
                .collect()
        };
        let quiet = property_warnings(
            &props(&[
                "site.key",
                "heron.class.packing.algorithm",
                "heron.cli.python",
            ]),
            &config,
            Some(Path::new("/tmp/override.yaml")),
        );
        assert_eq!(quiet, Vec::<String>::new());
        let warned = property_warnings(
            &props(&["heron.packing.algorithm", "topology.stmgrs"]),
            &config,
            Some(Path::new("/tmp/override.yaml")),
        );
        assert_eq!(warned.len(), 2, "{warned:?}");
        assert!(
            warned[0].contains("did you mean heron.class.packing.algorithm?"),
            "{warned:?}"
        );
        assert!(warned[1].contains("changes nothing"), "{warned:?}");
    }
}
