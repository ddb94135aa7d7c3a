//! Rendering Heron's job: the built-in and the cluster templates, values from files, stdin and
//! `--bind`, the cluster folder as the default, and the fetch commands of each package scheme.

use super::*;

#[test]
fn default_template_renders_heron_job_that_aurora_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = values_file(dir.path());
    let job = render_ok(&["--values", &values], None);
    snapshot("default_template", &job);
    assert_python(&job);

    let loaded = aurora_load(&job, Some(KEY)).expect("Aurora's loader accepts the job");
    assert_heron_job(&loaded);
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "curl --fail --silent --show-error --location --output heron-core.tar.gz https://dist.example.com/heron/0.20.5/heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    json_snapshot("default_template_loaded", &loaded);

    let checked = run(&["--check", "-", "--job-key", KEY], Some(&job));
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout,
        "ok: devcluster/www-data/devel/WordCountTopology (service job), 3 instances, cpu 3.0, ram 4294967296 bytes, disk 13958643712 bytes\n"
    );
}

#[test]
fn values_from_stdin_as_json_and_binds_give_the_same_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = values_file(dir.path());
    let from_yaml = render_ok(&["--values", &values], None);
    let json = values_json_with(&[("NUM_CONTAINERS", Value::from(2))]);
    let from_json = render_ok(
        &["--values", "-", "--bind", "NUM_CONTAINERS=3"],
        Some(&json),
    );
    assert_eq!(from_yaml, from_json);
}

#[test]
fn heron_shaped_template_renders_and_aurora_loads_it() {
    assert_cluster_template_renders(&heron_conf::fixture("aurora"), "fixture_template");
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_unedited_stock_template_renders_and_aurora_loads_it() {
    assert_cluster_template_renders(&heron_conf::stock("aurora"), "stock_template");
}

/// Renders `<folder>/heron.aurora` (Heron's shape: values inside its own '...' literals) and
/// checks the job the way Aurora loads it.
fn assert_cluster_template_renders(folder: &Path, snapshot_name: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = values_file(dir.path());
    let template = folder.join("heron.aurora");
    let template = template.display().to_string();
    let job = render_ok(&["--template", &template, "--values", &values], None);
    snapshot(snapshot_name, &job);
    assert_python(&job);
    // Only Heron's bindings changed: every other line is the template's.
    let stock = std::fs::read_to_string(&template).expect("template");
    assert_eq!(stock.lines().count(), job.lines().count());
    let heron_binding = |l: &str| {
        l.split("{{")
            .skip(1)
            .any(|m| m.starts_with(|c: char| c.is_ascii_uppercase()))
    };
    for (a, b) in stock.lines().zip(job.lines()) {
        if !heron_binding(a) {
            assert_eq!(a, b);
        }
    }
    let loaded = aurora_load(&job, Some(KEY)).expect("Aurora's loader accepts the job");
    assert_heron_job(&loaded);
    // The template keeps its own curl lines.
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "curl https://dist.example.com/heron/0.20.5/heron-core.tar.gz -o heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    let checked = run(&["--check", "-", "--job-key", KEY], Some(&job));
    assert_eq!(checked.code, 0, "{}", checked.stderr);
}

#[test]
fn the_cluster_template_is_the_default_and_cluster_flags_bind_the_key() {
    assert_cluster_folder_template_is_the_default(&heron_conf::fixture("aurora"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_cluster_template_is_the_default() {
    assert_cluster_folder_template_is_the_default(&heron_conf::stock("aurora"));
}

/// `conf`'s parent as the config path and its folder name as the cluster: its heron.aurora is
/// used and its client.yaml gives CORE_PACKAGE_URI.
fn assert_cluster_folder_template_is_the_default(conf: &Path) {
    let root = conf.parent().expect("parent").display().to_string();
    let cluster = conf
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let values = values_without(&["CLUSTER", "CORE_PACKAGE_URI"]);
    let job = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            &cluster,
            "--values",
            "-",
        ],
        Some(&values),
    );
    assert!(
        job.contains(" = 'file:///vagrant/.herondata/dist/heron-core-release.tar.gz'\n"),
        "{job}"
    );
    assert!(job.contains(&format!("cluster = '{cluster}',")), "{job}");
    let builtin = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            &cluster,
            "--builtin-template",
            "--values",
            "-",
        ],
        Some(&values),
    );
    assert!(
        builtin.contains("# Aurora job of a Heron topology: the built-in template"),
        "{builtin}"
    );
    // --cluster and a CLUSTER value must agree.
    let r = run(
        &[
            "--cluster",
            &cluster,
            "--config-path",
            &root,
            "--bind",
            "CLUSTER=devcluster",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "binding CLUSTER is `devcluster` (from --bind) but `{cluster}` (from --cluster)"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn fetch_commands_follow_each_package_scheme() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = values_file(dir.path());
    let job = render_ok(
        &[
            "--values",
            &values,
            "--bind",
            "CORE_PACKAGE_URI=hdfs://namenode:8020/heron/dist/heron-core.tar.gz",
            "--bind",
            "TOPOLOGY_PACKAGE_URI=s3://heron-topologies/devcluster/www-data/WordCountTopology/topology.tar.gz",
        ],
        None,
    );
    let loaded = aurora_load(&job, Some(KEY)).expect("loads");
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "hdfs dfs -get hdfs://namenode:8020/heron/dist/heron-core.tar.gz heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    assert_eq!(
        cmdline(&loaded, "fetch_user_package"),
        "aws s3 cp s3://heron-topologies/devcluster/www-data/WordCountTopology/topology.tar.gz topology.tar.gz && tar zxf topology.tar.gz"
    );
}

#[test]
fn custom_hdfs_and_s3_fetch_commands_from_the_cluster_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cluster = dir.path().join("devcluster");
    std::fs::create_dir(&cluster).expect("cluster dir");
    write(
        &cluster,
        "client.yaml",
        "heron.package.core.uri: \"hdfs://nn.example.com:8020/heron/dist/heron-core.tar.gz\"\n\
         heron.aurora.fetch.command.hdfs: \"/opt/hadoop/bin/hadoop --config /etc/hadoop/conf fs -copyToLocal {URI} {FILE}\"\n\
         heron.aurora.fetch.command.s3: \"aws --endpoint-url http://minio.example.com:9000 s3 cp --only-show-errors {URI} {FILE}\"\n",
    );
    let values = values_without(&["CORE_PACKAGE_URI"]);
    let values = write(dir.path(), "values.yaml", &values);
    let root = dir.path().display().to_string();
    let job = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            "devcluster",
            "--values",
            &values,
            "--bind",
            "TOPOLOGY_PACKAGE_URI=s3://heron/topologies/WordCount topology.tar.gz",
        ],
        None,
    );
    snapshot("custom_fetch_commands", &job);
    let loaded = aurora_load(&job, Some(KEY)).expect("loads");
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "/opt/hadoop/bin/hadoop --config /etc/hadoop/conf fs -copyToLocal hdfs://nn.example.com:8020/heron/dist/heron-core.tar.gz heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    assert_eq!(
        cmdline(&loaded, "fetch_user_package"),
        "aws --endpoint-url http://minio.example.com:9000 s3 cp --only-show-errors 's3://heron/topologies/WordCount topology.tar.gz' topology.tar.gz && tar zxf topology.tar.gz"
    );
    // --config-property overrides the file, as Heron's command-line keys do.
    let job = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            "devcluster",
            "--values",
            &values,
            "--config-property",
            "heron.aurora.fetch.command.hdfs=hdfs dfs -get {URI} {FILE}",
        ],
        None,
    );
    assert!(job.contains("'hdfs dfs -get hdfs://nn.example.com:8020/heron/dist/heron-core.tar.gz heron-core.tar.gz && tar"), "{job}");
}
