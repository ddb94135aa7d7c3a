//! `heron`'s command line and messages where a Heron user, a script or a newcomer checks them
//! (issue 13, items 5 to 13): one JSON document when JSON is asked for, only the error when a
//! command fails, help with no arguments, messages about what was typed, container counts said
//! one way, Heron's abbreviated options, and the topology's own arguments passed on as Heron's
//! parser passes them. Each runs the real `heron` with the Aurora stand-in (tests/src/bin/aurora.rs).

use heron_tests::prelude::*;
use prost::Message as _;

/// The whole of stdout as exactly one JSON document (trailing text fails the parse).
fn one_json_document(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not exactly one JSON document ({e}):\n{}",
            describe(out)
        )
    })
}

#[test]
fn every_json_dry_run_prints_exactly_one_json_document() {
    let s = Stand::local();
    let name = unique_name("json");
    let file = s.yaml_topology(&name);
    let file = file.to_str().unwrap();

    // Heron's --dry-run-format json: Heron's plan document, the job as its `auroraJob` field.
    let out = run_expect(
        s.heron(
            "submit",
            &["--dry-run", "--dry-run-format", "json", &spec(), file, "-"],
        ),
        0,
    );
    let doc = one_json_document(&out);
    assert_eq!(doc["topology"], name.as_str());
    assert_eq!(doc["containers"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        doc["packingClass"],
        "org.apache.heron.packing.roundrobin.RoundRobinPacking"
    );
    assert_eq!(
        doc["auroraJob"]["jobKey"],
        format!("{}/{name}", spec()).as_str()
    );
    let job = doc["auroraJob"]["text"].as_str().unwrap();
    assert!(job.contains(&format!("--topology-name={name}")), "{job}");

    // --format json wins over any --dry-run-format, and is one document too.
    for plan_format in ["json", "table", "raw", "colored_table"] {
        let out = run_expect(
            s.heron(
                "submit",
                &[
                    "--dry-run",
                    "--format",
                    "json",
                    "--dry-run-format",
                    plan_format,
                    &spec(),
                    file,
                    "-",
                ],
            ),
            0,
        );
        let doc = one_json_document(&out);
        assert_eq!(doc["dry_run"], true, "{plan_format}");
        assert!(
            doc["job"]
                .as_str()
                .is_some_and(|j| j.contains(&format!("--topology-name={name}"))),
            "{plan_format}: {doc}"
        );
    }

    // update --dry-run, in both JSON spellings, of a repack and of a runtime config change.
    s.submit_yaml(&name);
    for (args, change) in [
        (
            &["--dry-run", "--dry-run-format", "json"][..],
            "--component-parallelism=count:3",
        ),
        (
            &["--dry-run", "--format", "json"][..],
            "--component-parallelism=count:3",
        ),
        (
            &["--dry-run", "--dry-run-format", "json"][..],
            "--runtime-config=count:k:v",
        ),
        (
            &["--dry-run", "--format", "json"][..],
            "--runtime-config=count:k:v",
        ),
    ] {
        let mut all = vec![spec(), name.clone()];
        all.extend(args.iter().map(|a| a.to_string()));
        all.push(change.to_string());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = run_expect(s.heron("update", &all), 0);
        one_json_document(&out);
    }
}

#[test]
fn dry_run_and_submit_say_the_container_count_the_same_way() {
    let s = Stand::local();
    let name = unique_name("count");
    let file = s.yaml_topology(&name);
    let file = file.to_str().unwrap();
    let phrase = "2 containers (3 Aurora instances with the tmanager's)";
    for plan_format in ["table", "raw", "colored_table"] {
        let out = run_expect(
            s.heron(
                "submit",
                &[
                    "--dry-run",
                    "--dry-run-format",
                    plan_format,
                    &spec(),
                    file,
                    "-",
                ],
            ),
            0,
        );
        assert!(
            text(&out.stdout).contains(&format!("\n# {phrase}\n")),
            "{plan_format}: {}",
            describe(&out)
        );
    }
    let doc = s.dry_run_json(std::path::Path::new(file));
    assert_eq!(
        (doc["containers"].as_u64(), doc["aurora_instances"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(doc["bindings"]["NUM_CONTAINERS"], "3");

    let out = run_expect(s.heron("submit", &[&spec(), file, "-"]), 0);
    assert!(
        text(&out.stdout).contains(&format!(", {phrase}, package ")),
        "{}",
        describe(&out)
    );
    assert_eq!(
        s.job(&name).unwrap()["instances"].as_array().unwrap().len(),
        3
    );
}

#[test]
fn a_command_that_finds_nothing_prints_only_its_error() {
    let s = Stand::local();
    let out = run_expect(s.heron("kill", &[&spec(), "nosuch"]), 3);
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    insta::assert_snapshot!(text(&out.stderr), @"error: found nothing of topology 'nosuch': no state, no Aurora job devcluster/ads/devel/nosuch and no package");

    let out = run_expect(s.heron("kill", &[&spec(), "nosuch", "--format", "json"]), 3);
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["exit_code"], 3);

    // The others refuse a missing topology before doing anything, and print nothing on stdout.
    for (sub, extra) in [
        ("activate", &[][..]),
        ("deactivate", &[][..]),
        ("restart", &[][..]),
        ("update", &["--component-parallelism", "count:3"][..]),
    ] {
        let mut args = vec![spec(), "nosuch".to_string()];
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(s.heron(sub, &args));
        assert_eq!(code(&out), 3, "{sub}: {}", describe(&out));
        assert!(out.stdout.is_empty(), "{sub}: {}", describe(&out));
        assert_eq!(
            text(&out.stderr).lines().count(),
            1,
            "{sub}: {}",
            describe(&out)
        );
    }
    assert!(s.aurora_calls().iter().all(|(_, a)| a[1] == "killall"));
}

#[test]
fn heron_alone_prints_its_help_and_exits_0() {
    let out = run_expect(bin_command("heron"), 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Usage: heron <COMMAND>"), "{stdout}");
    assert!(
        stdout.contains("submit") && stdout.contains("kill"),
        "{stdout}"
    );
    assert!(out.stderr.is_empty(), "{}", describe(&out));
}

#[test]
fn config_refusals_are_about_what_was_typed() {
    let out = run_expect(
        bin_command("heron").args(["config", "devcluster", "set", "foo", "bar"]),
        2,
    );
    insta::assert_snapshot!(text(&out.stderr), @r#"error: "foo" is not a property of `heron config`: its only property is service_url (the URL of Heron's API server)"#);
    let out = run_expect(
        bin_command("heron").args(["config", "devcluster", "unset", "foo"]),
        2,
    );
    assert!(text(&out.stderr).contains("\"foo\" is not a property"));
    let out =
        run(bin_command("heron").args(["config", "devcluster", "set", "service_url", "http://x"]));
    assert_eq!(code(&out), 2, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("API-server mode"),
        "{}",
        describe(&out)
    );
}

#[test]
fn version_and_submit_refuse_a_missing_release_file_alike() {
    let s = Stand::local();
    let missing = s.dir.join("no-release.yaml");
    let missing = missing.to_str().unwrap();
    let file = s.yaml_topology(&unique_name("rel"));
    let version = run(bin_command("heron").args(["version", "--release-yaml-file", missing]));
    let submit = run(s.heron(
        "submit",
        &[
            "--release-yaml-file",
            missing,
            &spec(),
            file.to_str().unwrap(),
            "-",
        ],
    ));
    assert_eq!(code(&version), 3, "{}", describe(&version));
    assert_eq!(code(&submit), 3, "{}", describe(&submit));
    let message =
        format!("error: cannot read the release file {missing}: No such file or directory");
    assert!(
        text(&version.stderr).starts_with(&message),
        "{}",
        describe(&version)
    );
    assert!(
        text(&submit.stderr).starts_with(&message),
        "{}",
        describe(&submit)
    );
    assert!(version.stdout.is_empty() && submit.stdout.is_empty());
    assert!(s.aurora_calls().is_empty(), "nothing was submitted");
}

#[test]
fn a_directory_given_as_topology_file_is_said_to_be_one() {
    let s = Stand::local();
    let dir = s.dir.join("wc.jar");
    std::fs::create_dir_all(&dir).unwrap();
    let out = run_expect(
        s.heron(
            "submit",
            &[&spec(), dir.to_str().unwrap(), "com.example.Main"],
        ),
        2,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("topology file {} is a directory", dir.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn a_missing_class_name_says_that_dash_is_the_class_of_yaml_files() {
    let out = run_expect(
        bin_command("heron").args(["submit", "devcluster", "wc.yaml"]),
        2,
    );
    insta::assert_snapshot!(text(&out.stderr), @r"
    error: the following required arguments were not provided:
      <CLASS-NAME>

      tip: a .yaml, .defn, .py or .pex file needs no class: give `-` as the class name (heron submit CLUSTER topology.yaml -)

    Usage: heron submit <CLUSTER/[ROLE]/[ENV]> <TOPOLOGY-FILE> <CLASS-NAME> [ARGS]...

    For more information, try '--help'.
    ");
}

#[test]
fn config_property_types_are_checked_and_unknown_keys_warned_about() {
    let s = Stand::local();
    let file = s.yaml_topology(&unique_name("prop"));
    let file = file.to_str().unwrap();
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--dry-run",
                "--config-property",
                "topology.stmgrs=abc",
                &spec(),
                file,
                "-",
            ],
        ),
        2,
    );
    insta::assert_snapshot!(text(&out.stderr), @r#"error: invalid value for config key `topology.stmgrs`: expected an integer, found a string "abc" (from --config-property topology.stmgrs=abc)"#);

    let out = run_expect(s.heron(
        "submit",
        &[
            "--dry-run",
            "--config-property",
            "heron.packing.algorithm=nonsense",
            "--config-property",
            "heron.class.packing.algorithm=org.apache.heron.packing.roundrobin.RoundRobinPacking",
            &spec(),
            file,
            "-",
        ],
    ), 0);
    insta::assert_snapshot!(text(&out.stderr), @"warning: --config-property heron.packing.algorithm: no key of that name is known or set in the cluster's files; it is passed on as given (did you mean heron.class.packing.algorithm?)");

    // The stages that take --config-property do the same.
    let stage_args = |bin: &str| -> Vec<String> {
        let mut a: Vec<String> = ["--config-path", s.conf.to_str().unwrap()]
            .iter()
            .map(|x| x.to_string())
            .collect();
        a.extend(["--cluster", CLUSTER, "--role", ROLE, "--environ", ENV].map(String::from));
        if bin == "heron-aurora-render" {
            a.extend(["--builtin-template", "--values", "-", "-o", "/dev/null"].map(String::from));
        }
        a
    };
    for bin in ["heron-statemgr", "heron-uploader", "heron-aurora-render"] {
        let tail: &[&str] = match bin {
            "heron-statemgr" => &["list"],
            "heron-uploader" => &["delete", "--topology", "nosuch"],
            _ => &[],
        };
        let mut wrong = bin_command(bin);
        wrong
            .args(stage_args(bin))
            .args(["--config-property", "topology.stmgrs=abc"])
            .args(tail);
        let out = run(wrong.stdin(std::process::Stdio::null()));
        assert_eq!(code(&out), 2, "{bin}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains("topology.stmgrs") && text(&out.stderr).contains("abc"),
            "{bin}: {}",
            describe(&out)
        );
        let mut typo = bin_command(bin);
        typo.args(stage_args(bin))
            .args(["--config-property", "heron.packing.algorithm=nonsense"])
            .args(tail);
        let out = run(typo.stdin(std::process::Stdio::null()));
        assert!(
            text(&out.stderr).contains(
                "warning: --config-property heron.packing.algorithm: no key of that name is known"
            ) && text(&out.stderr).contains("did you mean heron.class.packing.algorithm?"),
            "{bin}: {}",
            describe(&out)
        );
    }
}

/// A C++-style topology (a `.so` and the program named as class, run with the topology's
/// arguments): the program records its arguments and hands out a ready definition.
fn recording_program(
    s: &Stand,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let topology = heron_common::topology::TopologyBuilder::new(name)
        .spout("word", 1)
        .bolt("count", 1)
        .build();
    let defn = s.dir.write("saved.defn", topology.encode_to_vec());
    let lib = s.dir.write("libtopo.so", b"\x7fELF not really");
    let argv_log = s.dir.join("argv.log");
    let program = s.script(
        "define",
        &format!(
            "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > {log}\n\
             dir=$(echo \"$HERON_OPTIONS\" | tr ',' '\\n' | sed -n 's/^cmdline.topologydefn.tmpdirectory=//p')\n\
             cp {defn} \"$dir/{name}.defn\"",
            log = argv_log.display(),
            defn = defn.display()
        ),
    );
    (lib, program, argv_log)
}

#[test]
fn herons_abbreviations_are_accepted_per_command_and_an_ambiguous_one_refused() {
    let s = Stand::local();
    let name = unique_name("abbrev");
    let (lib, program, argv_log) = recording_program(&s, &name);
    let classpath_dir = s.dir.join("cp");
    std::fs::create_dir_all(&classpath_dir).unwrap();
    // `heron <sub> --config-path` comes first in Stand::heron; the rest is abbreviated here.
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--extra-launch",
                classpath_dir.to_str().unwrap(),
                "--dry-run-f",
                "json",
                "--dry-run",
                "--verbose_g",
                &spec(),
                lib.to_str().unwrap(),
                program.to_str().unwrap(),
                "--fo",
                "--output=x",
                "-v",
                "a",
                "--",
                "--verbose",
            ],
        ),
        0,
    );
    let doc = one_json_document(&out);
    assert_eq!(
        doc["auroraJob"]["jobKey"],
        format!("{}/{name}", spec()).as_str(),
        "--extra-launch took the classpath, not the cluster"
    );
    assert!(
        doc["auroraJob"]["text"]
            .as_str()
            .unwrap()
            .contains("--verbose-gc"),
        "--verbose_g is --verbose_gc"
    );
    assert_eq!(
        std::fs::read_to_string(&argv_log).unwrap(),
        "--fo\n--output=x\n-v\na\n--\n--verbose\n",
        "the topology got what Heron's parser passes on"
    );

    // An ambiguous prefix is refused before anything runs, naming every option it could be.
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--config-p",
                "x",
                &spec(),
                lib.to_str().unwrap(),
                program.to_str().unwrap(),
            ],
        ),
        2,
    );
    insta::assert_snapshot!(text(&out.stderr), @r"
    error: ambiguous option --config-p: it could be --config-path or --config-property; write more of it

    For more information, try 'heron submit --help'.
    ");
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--dry-run",
                &spec(),
                lib.to_str().unwrap(),
                program.to_str().unwrap(),
                "--verb",
            ],
        ),
        2,
    );
    assert!(
        text(&out.stderr).contains("--verb: it could be --verbose or --verbose_gc"),
        "{}",
        describe(&out)
    );

    // Other commands: kill, restart, update, with Heron's abbreviations.
    let yaml_name = unique_name("abbr2");
    s.submit_yaml(&yaml_name);
    let out = run_expect(
        s.heron(
            "update",
            &[
                &spec(),
                &yaml_name,
                "--component",
                "count:3",
                "--dry-run",
                "--dry-run-f",
                "raw",
            ],
        ),
        0,
    );
    assert!(
        text(&out.stdout).starts_with("Repacking class:"),
        "{}",
        describe(&out)
    );
    let out = run_expect(
        s.heron("update", &[&spec(), &yaml_name, "--co", "count:3"]),
        2,
    );
    assert!(
        text(&out.stderr).contains(
            "--co: it could be --config-path, --config-property, --component-parallelism or --container-number"
        ),
        "{}",
        describe(&out)
    );
    let out = run_expect(
        s.heron("restart", &["--verb", "True", &spec(), &yaml_name, "1"]),
        0,
    );
    assert!(
        text(&out.stderr).contains("aurora"),
        "--verb is --verbose: {}",
        describe(&out)
    );
    let out = run_expect(
        s.heron(
            "kill",
            &[
                "--config-prop",
                "heron.cli.kill.delete.package=false",
                &spec(),
                &yaml_name,
            ],
        ),
        0,
    );
    assert!(
        text(&out.stdout).contains("package kept"),
        "--config-prop is --config-property: {}",
        describe(&out)
    );
}
