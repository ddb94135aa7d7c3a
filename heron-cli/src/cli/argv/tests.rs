//! Unit tests of [`super`]: argv as Heron's parser reads it, then clap.

use super::*;
use crate::cli::args::{Command, DryRunFormatArg};
use clap::Parser as _;
use std::path::PathBuf;

fn v(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn parse(args: &[&str]) -> Cli {
    Cli::try_parse_from(normalize(v(args)).expect("not ambiguous")).expect("parses")
}

#[test]
fn verbose_true_and_false_values_as_heron_writes_them() {
    let Command::Kill(k) = parse(&["heron", "kill", "--verbose", "True", "c/r/e", "t"]).command
    else {
        panic!()
    };
    assert!(k.common.verbose);
    assert_eq!((k.cluster.as_str(), k.topology.as_str()), ("c/r/e", "t"));
    let Command::Kill(k) = parse(&["heron", "kill", "--verbose", "False", "c/r/e", "t"]).command
    else {
        panic!()
    };
    assert!(!k.common.verbose);
    let Command::Kill(k) = parse(&["heron", "kill", "c/r/e", "t", "--verbose=true"]).command else {
        panic!()
    };
    assert!(k.common.verbose);
    let Command::Kill(k) = parse(&["heron", "kill", "c/r/e", "--verbose", "t"]).command else {
        panic!()
    };
    assert!(k.common.verbose);
    assert_eq!(k.topology, "t");
}

#[test]
fn submit_known_options_anywhere_unknown_go_to_topology() {
    let Command::Submit(s) = parse(&[
        "heron",
        "submit",
        "c/r/e",
        "--deploy-deactivated",
        "True",
        "t.jar",
        "com.Main",
        "name",
        "--foo",
        "x",
        "--verbose",
        "--config-property",
        "a=b",
        "--dry-run-format",
        "json",
        "last",
    ])
    .command
    else {
        panic!()
    };
    assert!(s.deploy_deactivated);
    assert!(s.common.verbose);
    assert_eq!(s.common.config_property, vec!["a=b"]);
    assert_eq!(s.dry_run_format, Some(DryRunFormatArg::Json));
    assert_eq!(s.topology_file, PathBuf::from("t.jar"));
    assert_eq!(s.class_name, "com.Main");
    assert_eq!(s.args, v(&["name", "--foo", "x", "last"]));
}

#[test]
fn submit_deploy_deactivated_false_is_off_and_pex_dash_class() {
    let Command::Submit(s) = parse(&[
        "heron",
        "submit",
        "--deploy-deactivated",
        "False",
        "c",
        "t.pex",
        "-",
        "a",
    ])
    .command
    else {
        panic!()
    };
    assert!(!s.deploy_deactivated);
    assert_eq!(s.class_name, "-");
    assert_eq!(s.args, v(&["a"]));
}

#[test]
fn submit_abbreviations_as_argparse_reads_them() {
    let Command::Submit(s) = parse(&[
        "heron",
        "submit",
        "--extra-launch",
        "/tmp",
        "--config-pa=/conf",
        "--config-prop",
        "k=v",
        "--dry-run-f",
        "raw",
        "--deploy",
        "--verbose_g",
        "--release",
        "r.yaml",
        "--topology-main",
        "p=1",
        "c/r/e",
        "t.jar",
        "Main",
        "--top-arg",
    ])
    .command
    else {
        panic!()
    };
    assert_eq!(s.extra_launch_classpath.as_deref(), Some("/tmp"));
    assert_eq!(
        s.cluster, "c/r/e",
        "the classpath did not become the cluster"
    );
    assert_eq!(s.common.config_path, Some(PathBuf::from("/conf")));
    assert_eq!(s.common.config_property, vec!["k=v"]);
    assert_eq!(s.dry_run_format, Some(DryRunFormatArg::Raw));
    assert!(s.deploy_deactivated && s.verbose_gc && !s.common.verbose);
    assert_eq!(s.release_yaml_file, Some(PathBuf::from("r.yaml")));
    assert_eq!(s.topology_main_jvm_property, vec!["p=1"]);
    assert_eq!(s.args, v(&["--top-arg"]));
}

#[test]
fn ambiguous_prefixes_are_refused_with_every_candidate() {
    for (args, given, candidates) in [
        (
            &["heron", "submit", "--config-p", "x", "c", "f.jar", "M"][..],
            "--config-p",
            &["--config-path", "--config-property"][..],
        ),
        (
            &["heron", "submit", "c", "f.jar", "M", "--verb"][..],
            "--verb",
            &["--verbose", "--verbose_gc"][..],
        ),
        (
            &["heron", "submit", "--dry", "c", "f.jar", "M"][..],
            "--dry",
            &["--dry-run", "--dry-run-format"][..],
        ),
        (
            &["heron", "update", "--co=1", "c", "t"][..],
            "--co",
            &[
                "--config-path",
                "--config-property",
                "--component-parallelism",
                "--container-number",
            ][..],
        ),
    ] {
        let err = normalize(v(args)).expect_err(given);
        assert_eq!(err.given, given);
        assert_eq!(err.candidates, v(candidates), "{given}");
        assert!(err.to_string().contains(" or "), "{err}");
    }
}

#[test]
fn exact_names_win_and_other_commands_take_abbreviations_too() {
    let Command::Update(u) = parse(&[
        "heron",
        "update",
        "--dry-run",
        "--dry-run-f",
        "json",
        "--component",
        "a:2",
        "--verb",
        "c",
        "t",
    ])
    .command
    else {
        panic!()
    };
    assert!(u.dry_run && u.target.common.verbose);
    assert_eq!(u.dry_run_format, Some(DryRunFormatArg::Json));
    assert_eq!(u.component_parallelism, v(&["a:2"]));
    let Command::Kill(k) =
        parse(&["heron", "kill", "--verb", "True", "--fo", "json", "c", "t"]).command
    else {
        panic!()
    };
    assert!(k.common.verbose);
    assert_eq!(k.common.format, crate::cli::args::Format::Json);
    let Command::Restart(r) =
        parse(&["heron", "restart", "--config-prop", "a=b", "c", "t", "-1"]).command
    else {
        panic!()
    };
    assert_eq!(
        (r.target.common.config_property.len(), r.container),
        (1, -1)
    );
}

#[test]
fn submit_passes_on_what_heron_passes_on() {
    // `--fo` is no Heron option: the topology gets it; what follows `--` is never expanded.
    let Command::Submit(s) = parse(&[
        "heron",
        "submit",
        "--config-property",
        "k=--verb",
        "c",
        "f.yaml",
        "-",
        "--fo",
        "--",
        "--config-p",
    ])
    .command
    else {
        panic!()
    };
    assert_eq!(s.common.config_property, vec!["k=--verb"]);
    assert_eq!(s.args, v(&["--fo", "--", "--config-p"]));
    assert_eq!(s.common.format, crate::cli::args::Format::Text);
}

/// What Heron 0.20.5's own submit parser (argparse, Python 3.11, `insert_bool_values` then
/// `parse_known_args`) gives the topology for these command lines, or that it refuses them.
#[test]
fn submit_topology_arguments_as_herons_parser_splits_them() {
    let cases: &[(&[&str], Option<&[&str]>)] = &[
        (
            &["c", "t.jar", "M", "--fo", "--output=x", "-v", "a"],
            Some(&["--fo", "--output=x", "-v", "a"]),
        ),
        (
            &["c", "t.jar", "M", "--", "--verbose", "x"],
            Some(&["--verbose", "x"]),
        ),
        (
            &["c", "t.jar", "M", "a", "--", "--verbose", "x"],
            Some(&["a", "--", "--verbose", "x"]),
        ),
        (
            &["c", "t.jar", "M", "x", "--", "y"],
            Some(&["x", "--", "y"]),
        ),
        (&["c", "t.jar", "M", "--", "--", "y"], Some(&["--", "y"])),
        (&["c", "--", "t.jar", "M", "x"], Some(&["x"])),
        (
            &["--", "c", "t.jar", "M", "x", "--verbose"],
            Some(&["x", "--verbose"]),
        ),
        (
            &["c", "t.jar", "--", "M", "--verbose"],
            Some(&["--verbose"]),
        ),
        (&["c", "t.jar", "M", "-"], Some(&["-"])),
        (&["c", "t.jar", "M", "--Verbose"], Some(&["--Verbose"])),
        (
            &["c", "t.jar", "M", "--release", "r.yaml", "a"],
            Some(&["a"]),
        ),
        (&["c", "t.jar", "M", "--verb"], None),
        (&["c", "t.jar", "M", "--dry"], None),
        (&["c", "t.jar", "M", "--verb=True"], None),
        (&["--config-p", "/x", "c", "t.jar", "M"], None),
    ];
    for (args, expected) in cases {
        let mut argv = v(&["heron", "submit"]);
        argv.extend(v(args));
        match (normalize(argv), expected) {
            (Ok(argv), Some(expected)) => {
                let Command::Submit(s) = Cli::try_parse_from(argv).expect("parses").command else {
                    panic!()
                };
                assert_eq!(s.args, v(expected), "{args:?}");
                assert_eq!(
                    (s.cluster.as_str(), s.class_name.as_str()),
                    ("c", "M"),
                    "{args:?}"
                );
            }
            (Err(_), None) => {}
            (got, _) => panic!("{args:?}: {got:?}"),
        }
    }
}

#[test]
fn the_missing_class_name_error_says_what_to_give() {
    let argv = normalize(v(&["heron", "submit", "c", "t.yaml"])).expect("normalizes");
    let mut err = Cli::try_parse_from(argv).expect_err("no class name");
    add_hints(&mut err);
    let text = err.to_string();
    assert!(text.contains("<CLASS-NAME>"), "{text}");
    assert!(text.contains("give `-` as the class name"), "{text}");
    let argv = normalize(v(&["heron", "kill", "c"])).expect("normalizes");
    let mut err = Cli::try_parse_from(argv).expect_err("no topology");
    add_hints(&mut err);
    assert!(!err.to_string().contains("class name"));
}
