//! Every error: exit code, a message naming the file, line or argument, and no output written;
//! and what `--check` refuses (as Aurora's loader does).

use super::*;

struct ErrorCase {
    name: &'static str,
    template: Option<&'static str>,
    args: &'static [&'static str],
    code: i32,
}

const CUSTOM: &str = "jobs = [Job(name = '{{TOPOLOGY_NAME}}', cluster = '{{CLUSTER}}', role = '{{ROLE}}',\n  environment = '{{ENVIRON}}', instances = {{NUM_CONTAINERS}},\n  task = SequentialTask(name = 'run', processes = [Process(name = 'p', cmdline = 'echo {{mesos.instance}}')],\n    resources = Resources(cpu = {{CPUS_PER_CONTAINER}}, ram = {{RAM_PER_CONTAINER}}, disk = {{DISK_PER_CONTAINER}})))]\n";

const ERROR_CASES: &[ErrorCase] = &[
    ErrorCase {
        name: "undefined_binding",
        template: Some("x = '{{mesos.instance}}'\nname = '{{TOPOLOGY_NAM}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "undefined_binding_in_helper",
        template: Some("x = 1\ny = {{py NUM_CONTAINER}}\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "unclosed_block",
        template: Some("a = 1\n{{#if TIER}}\ntier = '{{TIER}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "mismatched_block",
        template: Some("{{#if TIER}}\n  {{/each}}\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "handlebars_syntax",
        template: Some("a = '{{thermos.ports[x]}}'\nb = '{{TIER \"unterminated}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "unclosed_mustache",
        template: Some("a = 1\nb = '{{TIER'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "unknown_helper",
        template: Some("a = '{{mesos.instance}}' + {{quote TIER}}\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "py_inside_quotes",
        template: Some("a = '{{py TIER}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "raw_string",
        template: Some("a = r'{{TIER}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "triple_stash",
        template: Some("a = '{{{TIER}}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "list_in_string",
        template: Some("a = '{{TOPOLOGY_NAME}}' + '{{LIST}}'\n"),
        args: &["--values", "LIST.yaml"],
        code: 2,
    },
    ErrorCase {
        name: "not_python",
        template: Some("jobs = [Job(name = '{{TOPOLOGY_NAME}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "num_containers_zero",
        template: Some(CUSTOM),
        args: &["--bind", "NUM_CONTAINERS=0"],
        code: 2,
    },
    ErrorCase {
        name: "num_containers_not_integer",
        template: Some(CUSTOM),
        args: &["--bind", "NUM_CONTAINERS=2.5"],
        code: 2,
    },
    ErrorCase {
        name: "ram_zero",
        template: Some(CUSTOM),
        args: &["--bind", "RAM_PER_CONTAINER=0"],
        code: 2,
    },
    ErrorCase {
        name: "disk_zero",
        template: None,
        args: &["--bind", "DISK_PER_CONTAINER=0"],
        code: 2,
    },
    ErrorCase {
        name: "cpus_negative",
        template: None,
        args: &["--bind", "CPUS_PER_CONTAINER=-1"],
        code: 2,
    },
    ErrorCase {
        name: "topology_name_with_space",
        template: None,
        args: &["--bind", "TOPOLOGY_NAME=word count"],
        code: 2,
    },
    ErrorCase {
        name: "uri_without_scheme",
        template: None,
        args: &["--bind", "CORE_PACKAGE_URI=/opt/heron/heron-core.tar.gz"],
        code: 2,
    },
    ErrorCase {
        name: "uri_unknown_scheme",
        template: None,
        args: &["--bind", "TOPOLOGY_PACKAGE_URI=gs://bucket/topology.tar.gz"],
        code: 2,
    },
    ErrorCase {
        name: "lowercase_binding_name",
        template: None,
        args: &["--bind", "cluster=devcluster"],
        code: 2,
    },
    ErrorCase {
        name: "bind_without_equals",
        template: None,
        args: &["--bind", "NUM_CONTAINERS"],
        code: 2,
    },
    ErrorCase {
        name: "broken_values_document",
        template: None,
        args: &["--values", "BROKEN.yaml"],
        code: 2,
    },
    ErrorCase {
        name: "missing_template_file",
        template: None,
        args: &["--template", "[TMP]/nope.aurora"],
        code: 3,
    },
];

#[test]
fn every_error_names_where_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tmp = dir.path().display().to_string();
    let values = values_file(dir.path());
    write(dir.path(), "LIST.yaml", "LIST: [a, b]\nTOPOLOGY_NAME: wc\n");
    write(
        dir.path(),
        "BROKEN.yaml",
        "CLUSTER: devcluster\nROLE: [www-data\n",
    );
    let mut report = String::new();
    for case in ERROR_CASES {
        let out = dir.path().join(format!("{}.out", case.name));
        std::fs::write(&out, "previous job\n").expect("previous output");
        let mut args: Vec<String> = Vec::new();
        if !case.args.contains(&"--values") {
            args.extend(["--values".to_string(), values.clone()]);
        }
        if let Some(text) = case.template {
            args.push("--template".into());
            args.push(write(dir.path(), &format!("{}.aurora", case.name), text));
        }
        for a in case.args {
            let a = a.replace("[TMP]", &tmp);
            args.push(if a.ends_with(".yaml") && !a.contains('/') {
                format!("{tmp}/{a}")
            } else {
                a
            });
        }
        args.push("-o".into());
        args.push(out.display().to_string());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&argv, None);
        assert_eq!(r.code, case.code, "{}: {}", case.name, r.stderr);
        assert!(r.stdout.is_empty(), "{}: stdout {}", case.name, r.stdout);
        assert_eq!(
            std::fs::read_to_string(&out).ok().as_deref(),
            Some("previous job\n"),
            "{}: output touched",
            case.name
        );
        assert!(
            r.stderr.starts_with("error: "),
            "{}: {}",
            case.name,
            r.stderr
        );
        report.push_str(&format!(
            "## {} (exit {})\n{}\n",
            case.name,
            r.code,
            r.stderr.replace(&tmp, "[TMP]").trim_end()
        ));
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    snapshot("error_cases", &report);
}

#[test]
fn check_rejects_what_aurora_would_and_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = values_file(dir.path());
    let job = render_ok(&["--values", &values], None);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "wrong_key",
            job.clone(),
            vec!["--job-key", "devcluster/www-data/prod/WordCountTopology"],
        ),
        (
            "not_python",
            job.replace("service = True,", "service = True,,"),
            vec![],
        ),
        (
            "two_jobs",
            job.replace("jobs = [", "jobs = [Job(name = 'x'), "),
            vec![],
        ),
        (
            "instances_not_integer",
            job.replace("instances = 3,", "instances = '3.5',"),
            vec![],
        ),
        (
            "ram_zero",
            job.replace("ram = 4294967296", "ram = 0"),
            vec![],
        ),
        (
            "unrendered_cluster_template",
            std::fs::read_to_string(heron_conf::fixture("aurora").join("heron.aurora"))
                .expect("fixture template"),
            vec![],
        ),
        (
            "bad_job_key_argument",
            job.clone(),
            vec!["--job-key", "devcluster/www-data"],
        ),
    ];
    let mut report = String::new();
    for (name, text, extra) in cases {
        let mut args = vec!["--check", "-"];
        args.extend(extra);
        let r = run(&args, Some(&text));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        report.push_str(&format!("## {name}\n{}\n", r.stderr.trim_end()));
        // What --check refuses, Aurora's loader refuses too (the argument error aside).
        if name != "bad_job_key_argument" && name != "wrong_key" {
            assert!(
                aurora_load(&text, None).is_err(),
                "{name}: Aurora's loader accepted it"
            );
        }
    }
    snapshot("check_errors", &report);
    let json = run(&["--check", "-", "--format", "json"], Some(&job));
    assert_eq!(json.code, 0, "{}", json.stderr);
    snapshot("check_json", &json.stdout);
}
