//! The examples each subcommand's `--help` ends with (clap's `after_help`), by the subcommand's
//! path, kept apart from the definitions so that the enums of commands read as lists. The
//! examples of `heron` itself and of `heron explorer` stand on their structs.

use clap::CommandFactory as _;

use super::Cli;

/// `(subcommand path, the examples its help ends with)`.
const EXAMPLES: &[(&[&str], &str)] = &[
    (
        &["activate"],
        "Example:\n  heron activate devcluster/ads/devel wordcount\n\nExit 5 when the topology has no physical plan or tmanager yet.",
    ),
    (
        &["deactivate"],
        "Example:\n  heron deactivate devcluster/ads/devel wordcount --format json",
    ),
    (
        &["doctor"],
        "Examples:\n  heron doctor local                      # the built-in local cluster\n  heron doctor devcluster/ads/devel\n  heron doctor devcluster --format json\n\nEach check prints `ok`, `FAIL` with what to do, or `skip` with why it was not checked.\nExit 0 when nothing failed, else the code of the most serious failure (5 before 6, 3, 4, 2, 1).\nSee docs/doctor.md.",
    ),
    (
        &["kill"],
        "Examples:\n  heron kill devcluster/ads/devel wordcount\n  heron kill devcluster/ads/devel wordcount --format json   # says what it found\n\nWorks when the Aurora job or part of the state is already gone; exit 3 when nothing was found.",
    ),
    (
        &["restart"],
        "Examples:\n  heron restart devcluster/ads/devel wordcount       # the whole job\n  heron restart devcluster/ads/devel wordcount 2     # Aurora instance 2",
    ),
    (
        &["submit"],
        "Examples:\n  heron submit devcluster/ads/devel wc.jar com.example.WordCount wordcount\n  heron submit devcluster/ads/devel wc.pex - wordcount\n  heron submit devcluster/ads/devel wc.yaml -\n  heron submit --dry-run --dry-run-format json devcluster/ads/devel wc.yaml -\n  heron submit --deploy-deactivated --verbose devcluster/ads/devel wc.jar com.example.WordCount wc\n\nOn a failure everything done so far is undone; the error names the stage. See docs/cli.md.",
    ),
    (
        &["update"],
        "Examples:\n  heron update devcluster/ads/devel wordcount --component-parallelism count:4 --dry-run\n  heron update devcluster/ads/devel wordcount --component-parallelism count:4\n  heron update devcluster/ads/devel wordcount --container-number 3\n  heron update devcluster/ads/devel wordcount --runtime-config count:my.key:10",
    ),
    (
        &["version"],
        "Examples:\n  heron version\n  heron version --format json",
    ),
    (
        &["explorer", "topologies"],
        "Example:\n  heron explorer topologies devcluster/ads",
    ),
    (
        &["explorer", "logical-plan"],
        "Examples:\n  heron explorer logical-plan devcluster/ads/devel wordcount\n  heron explorer logical-plan devcluster/ads/devel wordcount --component-type spouts\n  heron explorer logical-plan devcluster/ads/devel wordcount --component count --format json",
    ),
    (
        &["explorer", "packing-plan"],
        "Examples:\n  heron explorer packing-plan devcluster/ads/devel wordcount\n  heron explorer packing-plan devcluster/ads/devel wordcount --dry-run-format raw",
    ),
    (
        &["explorer", "status"],
        "Examples:\n  heron explorer status devcluster/ads/devel wordcount\n  heron explorer status devcluster/ads/devel wordcount --format json | jq .verdict\n\nExit 0 when everything that should exist does, 1 when something is missing (for example\na half-killed topology: state present, Aurora job gone), 3 when nothing of the topology\nexists, 5 when ZooKeeper or Aurora cannot be asked.",
    ),
    (
        &["explorer", "physical-plan", "containers"],
        "Examples:\n  heron explorer physical-plan containers devcluster/ads/devel wordcount\n  heron explorer physical-plan containers devcluster/ads/devel wordcount --id 1\n\nFrom the physical plan the tmanager writes; before a tmanager has written one, from the\npacking plan (host, ports and pid then unknown). The output says which.",
    ),
];

/// The `heron` command line with every subcommand's examples in place: what parses argv and
/// what `--help`, the man page and the completions are made from.
pub fn command() -> clap::Command {
    EXAMPLES
        .iter()
        .fold(Cli::command(), |command, (path, text)| {
            with_examples(command, path, text)
        })
}

fn with_examples(command: clap::Command, path: &[&str], text: &'static str) -> clap::Command {
    match path.split_first() {
        None => command.after_help(text),
        Some((first, rest)) => command.mut_subcommand(*first, |sub| with_examples(sub, rest, text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_lands_on_a_subcommand() {
        let command = command();
        for (path, text) in EXAMPLES {
            let mut sub = &command;
            for name in *path {
                sub = sub
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("no subcommand {path:?}"));
            }
            assert_eq!(
                sub.get_after_help().map(|h| h.to_string()).as_deref(),
                Some(*text),
                "{path:?}"
            );
        }
    }
}
