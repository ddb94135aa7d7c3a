//! Python topologies as Heron runs them: what `heron submit` ships for a `.py` or a `.pex` must
//! load on a Heron 0.20.5 container. Each submitted package is opened by `tests/python/
//! open_pex.py` with the heronpy venv, the way the container does it (our restatement, written
//! from heron_executor.py and pex_loader.py): `tar zxf` the package, `unzip` the topology binary,
//! then import every component class named in the `.defn` from that folder alone. What heron
//! cannot make run is refused before anything is submitted.

use std::path::{Path, PathBuf};

use heron_tests::prelude::*;
use heron_tests::{python_peer, repo_root, venv_python};

/// `heron submit` with the heronpy venv's python.
fn submit(s: &Stand, file: &Path, class: &str, args: &[&str]) -> std::process::Output {
    let file = file.to_str().expect("utf-8 path");
    let mut all = vec![spec()];
    all.extend([file.to_string(), class.to_string()]);
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    run(s.heron("submit", &all).env("HERON_PYTHON", venv_python()))
}

/// An executor flag's value in the stand-in's job record.
fn flag(job: &serde_json::Value, name: &str) -> String {
    let content = job["job_file"]["content"].as_str().expect("job file");
    let start = content
        .find(&format!("--{name}="))
        .unwrap_or_else(|| panic!("no --{name} in {content}"))
        + name.len()
        + 3;
    content[start..]
        .split([' ', '\'', '"'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Opens the submitted package of `name` as a container does; returns open_pex.py's report.
fn open_on_a_container(s: &Stand, name: &str) -> Result<serde_json::Value, String> {
    let job = s.job(name).expect("the Aurora job");
    let packages: Vec<PathBuf> = s
        .packages(name)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    assert_eq!(packages.len(), 1, "one package: {packages:?}");
    let sandbox = TestDir::new();
    let out = run(python_peer("open_pex.py")
        .arg(&packages[0])
        .arg(flag(&job, "topology-binary-file"))
        .arg(flag(&job, "topology-defn-file"))
        .arg(sandbox.path()));
    if code(&out) == 0 {
        Ok(serde_json::from_slice(&out.stdout).expect("open_pex.py prints JSON"))
    } else {
        Err(text(&out.stderr))
    }
}

fn kill(s: &Stand, name: &str) {
    run_expect(s.heron("kill", &[&spec(), name]), 0);
}

#[test]
fn a_py_topology_ships_a_pex_whose_classes_load_on_a_container() {
    let s = Stand::local();
    let name = unique_name("PyWc").replace('-', "_");
    let out = submit(
        &s,
        &repo_root().join("examples/python/word_count.py"),
        "-",
        &[&name],
    );
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let job = s.job(&name).expect("the Aurora job");
    assert_eq!(flag(&job, "pkg-type"), "pex");
    assert_eq!(flag(&job, "topology-binary-file"), "word_count.pex");
    let opened = open_on_a_container(&s, &name).expect("the classes load from the package");
    // The file's own classes, `__main__.X` when it ran as a script, by the module they are in.
    assert_eq!(
        opened["classes"],
        serde_json::json!({
            "sentence": "word_count.SentenceSpout",
            "split": "word_count.SplitBolt",
            "count": "word_count.CountBolt",
        })
    );
    assert_eq!(
        opened["files"],
        serde_json::json!(["__main__.py", "word_count.py"])
    );
    // The .defn in the state is the one in the package.
    let stored = std::fs::read(s.state_root.join("topologies").join(&name)).unwrap();
    let stored = String::from_utf8_lossy(&stored);
    assert!(stored.contains("word_count.SentenceSpout") && !stored.contains("__main__"));
    kill(&s, &name);
    s.assert_nothing_left(&name, "after kill");
}

/// A topology over several files of one folder: a package of components, a main file with a
/// name Python cannot import as it is.
fn split_topology(dir: &Path) -> PathBuf {
    let write = |rel: &str, body: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
    };
    write("wc_parts/__init__.py", "");
    write(
        "wc_parts/spouts.py",
        "from heronpy.api.spout.spout import Spout\n\
         class WordSpout(Spout):\n    outputs = ['word']\n    def next_tuple(self):\n        self.emit(['heron'])\n",
    );
    write(
        "wc_parts/bolts.py",
        "from heronpy.api.bolt.bolt import Bolt\n\
         class CountBolt(Bolt):\n    outputs = []\n    def process(self, tup):\n        self.ack(tup)\n",
    );
    write(
        "unused.py",
        "raise SystemExit('never imported, never shipped')\n",
    );
    write(
        "word-count-main.py",
        "import sys\n\
         from heronpy.api.topology import TopologyBuilder\n\
         from wc_parts.spouts import WordSpout\n\
         from wc_parts.bolts import CountBolt\n\
         if __name__ == '__main__':\n    b = TopologyBuilder(sys.argv[1])\n    \
         w = b.add_spout('word', WordSpout, par=2)\n    b.add_bolt('count', CountBolt, par=2, inputs=[w])\n    \
         b.build_and_submit()\n",
    );
    dir.join("word-count-main.py")
}

#[test]
fn modules_from_the_files_folder_go_into_the_pex() {
    let s = Stand::local();
    let src = s.dir.join("src");
    let main = split_topology(&src);
    let name = unique_name("SplitWc").replace('-', "_");
    let out = submit(&s, &main, "-", &[&name]);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(
        flag(&s.job(&name).unwrap(), "topology-binary-file"),
        "word-count-main.pex"
    );
    let opened = open_on_a_container(&s, &name).expect("the classes load from the package");
    assert_eq!(
        opened["classes"],
        serde_json::json!({"word": "wc_parts.spouts.WordSpout", "count": "wc_parts.bolts.CountBolt"})
    );
    assert_eq!(
        opened["files"],
        serde_json::json!([
            "__main__.py",
            "wc_parts/__init__.py",
            "wc_parts/bolts.py",
            "wc_parts/spouts.py",
            "word_count_main.py"
        ])
    );
    kill(&s, &name);
}

#[test]
fn a_pex_built_with_an_entry_function_runs_and_one_whose_classes_are_main_is_refused() {
    let s = Stand::local();
    // As the example's docstring says: the function that builds the topology as entry point.
    let good = s.dir.join("word_count.pex");
    run_expect(
        command(venv_python()).current_dir(repo_root()).args([
            "-m",
            "zipapp",
            "examples/python",
            "-m",
            "word_count:main",
            "-o",
            good.to_str().unwrap(),
        ]),
        0,
    );
    let name = unique_name("PexWc").replace('-', "_");
    let out = submit(&s, &good, "-", &[&name]);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let opened = open_on_a_container(&s, &name).expect("the classes load from the package");
    assert_eq!(opened["classes"]["count"], "word_count.CountBolt");
    kill(&s, &name);

    // A pex that runs the module as its program (what `pex -m word_count` builds).
    let bad = s.dir.join("main.pex");
    let script = r#"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.write('examples/python/word_count.py', 'word_count.py')
    z.writestr('__main__.py', "import runpy; runpy.run_module('word_count', run_name='__main__')")
"#;
    run_expect(
        command(venv_python())
            .current_dir(repo_root())
            .args(["-c", script, bad.to_str().unwrap()]),
        0,
    );
    let name = unique_name("MainPex").replace('-', "_");
    let out = submit(&s, &bad, "-", &[&name]);
    assert_eq!(code(&out), 2, "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("__main__.SentenceSpout") && err.contains("zipapp"),
        "{err}"
    );
    s.assert_nothing_left(&name, "a refused pex");
}

#[test]
fn what_would_not_load_on_a_container_is_refused_before_anything_is_done() {
    let s = Stand::local();
    let src = s.dir.join("bad");
    std::fs::create_dir_all(&src).unwrap();
    let example =
        std::fs::read_to_string(repo_root().join("examples/python/word_count.py")).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            // kazoo is in the venv, but not in Heron's Python instance, nor in a pex of the folder.
            "wc_kazoo.py",
            example.replacen("import sys\n", "import sys\nimport kazoo\n", 1),
            "it imports kazoo from outside its folder",
        ),
        (
            // Importing the module runs the program, which needs HERON_OPTIONS: not on a container.
            "wc_unguarded.py",
            example.replace("if __name__ == \"__main__\":", "if True:"),
            "if __name__ == '__main__':",
        ),
        (
            // As module `json` it would shadow the standard library in the instance.
            "json.py",
            example.clone(),
            "shadow Python's own module",
        ),
    ];
    for (file, body, expected) in cases {
        let path = src.join(file);
        std::fs::write(&path, body).unwrap();
        let name = unique_name("BadPy").replace('-', "_");
        let out = submit(&s, &path, "-", &[&name]);
        assert_eq!(code(&out), 2, "{file}: {}", describe(&out));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{}: cannot run on Heron as a pex", path.display()))
                && err.contains(expected)
                && err.contains("build the pex yourself"),
            "{file}: {err}"
        );
        s.assert_nothing_left(&name, file);
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn the_old_package_of_a_py_would_not_have_loaded() {
    // What heron shipped before issue 13 (the .py itself as --pkg-type=pex): the container's
    // unzip fails, so every instance would have failed with BadZipFile.
    let dir = TestDir::new();
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::copy(
        repo_root().join("examples/python/word_count.py"),
        pkg.join("word_count.py"),
    )
    .unwrap();
    std::fs::write(pkg.join("wc.defn"), b"").unwrap();
    let tar = dir.join("topology.tar.gz");
    run_expect(
        command("tar")
            .arg("czf")
            .arg(&tar)
            .arg("-C")
            .arg(&pkg)
            .args(["word_count.py", "wc.defn"]),
        0,
    );
    let sandbox = TestDir::new();
    let out = run_expect(
        python_peer("open_pex.py")
            .arg(&tar)
            .args(["word_count.py", "wc.defn"])
            .arg(sandbox.path()),
        1,
    );
    assert!(
        text(&out.stderr).contains("cannot be unzipped"),
        "{}",
        describe(&out)
    );
}

#[test]
fn a_topology_class_in_a_py_is_written_under_the_name_given_and_its_components_load() {
    let s = Stand::local();
    let src = s.dir.join("cls");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("wc_parts.py"),
        "from heronpy.api.spout.spout import Spout\nfrom heronpy.api.bolt.bolt import Bolt\n\
         class WordSpout(Spout):\n    outputs = ['word']\n    def next_tuple(self):\n        self.emit(['x'])\n\
         class CountBolt(Bolt):\n    def process(self, tup):\n        self.ack(tup)\n",
    )
    .unwrap();
    // Heron's class form: a heronpy Topology subclass, written by heron calling its write().
    let topology = |components: &str| {
        format!(
            "from heronpy.api.topology import Topology\n{components}\n\
             class WordCount(Topology):\n    word = WordSpout.spec(par=2)\n    \
             count = CountBolt.spec(par=2, inputs=[word])\n"
        )
    };
    let main = src.join("wc_class.py");
    std::fs::write(&main, topology("from wc_parts import WordSpout, CountBolt")).unwrap();
    let name = unique_name("ClsWc").replace('-', "_");
    let out = submit(&s, &main, "wc_class.WordCount", &[&name]);
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(
        s.job(&name).is_some(),
        "the first argument names the topology"
    );
    let opened = open_on_a_container(&s, &name).expect("the classes load from the package");
    assert_eq!(opened["classes"]["word"], "wc_parts.WordSpout");
    kill(&s, &name);

    // The components beside the Topology subclass: importing that module on a container reads
    // HERON_OPTIONS (heronpy's TopologyType), which an instance does not have.
    let parts = std::fs::read_to_string(src.join("wc_parts.py")).unwrap();
    let together = src.join("wc_together.py");
    std::fs::write(&together, topology(&parts)).unwrap();
    let name = unique_name("ClsWc").replace('-', "_");
    let out = submit(&s, &together, "wc_together.WordCount", &[&name]);
    assert_eq!(code(&out), 2, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("nor define a heronpy Topology subclass"),
        "{}",
        describe(&out)
    );
    s.assert_nothing_left(&name, "refused");
}
