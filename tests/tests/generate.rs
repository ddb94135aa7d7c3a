//! Every product binary prints its shell completions and man page from its own clap definition
//! (`--generate KIND`, hidden, used by scripts/package.sh), and the output is what each shell and
//! `man` expect.

use heron_tests::{bin_command, run_ok};

const BINARIES: [&str; 4] = [
    "heron",
    "heron-uploader",
    "heron-statemgr",
    "heron-aurora-render",
];

fn generate(binary: &str, kind: &str) -> String {
    let out = run_ok(bin_command(binary).args(["--generate", kind]));
    assert!(
        out.stderr.is_empty(),
        "{binary} --generate {kind} wrote to stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("generated text is UTF-8")
}

#[test]
fn man_pages_name_the_binary_and_its_options() {
    for binary in BINARIES {
        let man = generate(binary, "man");
        assert!(
            man.starts_with(".ie") || man.starts_with(".TH"),
            "{binary}: {man:.200}"
        );
        assert!(
            man.contains(&format!(".TH {binary} 1")),
            "{binary}: no .TH header: {man:.300}"
        );
        assert!(man.contains(".SH NAME"), "{binary}: no NAME section");
        assert!(man.contains(".SH OPTIONS"), "{binary}: no OPTIONS section");
    }
    // Subcommands are listed on the pages of the binaries that have them.
    let heron = generate("heron", "man");
    for sub in [
        "submit",
        "kill",
        "restart",
        "activate",
        "deactivate",
        "update",
    ] {
        assert!(heron.contains(sub), "heron's man page does not list {sub}");
    }
    let statemgr = generate("heron-statemgr", "man");
    for sub in ["get", "set", "clean", "create", "lock"] {
        assert!(
            statemgr.contains(sub),
            "heron-statemgr's man page does not list {sub}"
        );
    }
}

#[test]
fn completions_are_written_for_bash_zsh_and_fish() {
    for binary in BINARIES {
        let bash = generate(binary, "complete-bash");
        assert!(
            bash.contains("complete -F"),
            "{binary}: not a bash completion: {bash:.200}"
        );
        assert!(
            bash.contains(binary),
            "{binary}: bash completion names another program"
        );
        let zsh = generate(binary, "complete-zsh");
        assert!(
            zsh.starts_with(&format!("#compdef {binary}")),
            "{binary}: not a zsh completion: {zsh:.200}"
        );
        let fish = generate(binary, "complete-fish");
        assert!(
            fish.contains(&format!("complete -c {binary}")),
            "{binary}: not a fish completion: {fish:.200}"
        );
    }
    // Options and subcommands come from the real definitions.
    let heron = generate("heron", "complete-bash");
    assert!(
        heron.contains("--config-path"),
        "heron's completion lacks --config-path"
    );
    assert!(heron.contains("submit"), "heron's completion lacks submit");
    let uploader = generate("heron-uploader", "complete-fish");
    assert!(uploader.contains("upload"), "{uploader:.300}");
}

#[test]
fn an_unknown_kind_is_a_usage_error_and_the_option_is_hidden() {
    for binary in BINARIES {
        let out = bin_command(binary)
            .args(["--generate", "complete-tcsh"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{binary}: {out:?}");
        assert!(out.stdout.is_empty(), "{binary}: wrote to stdout on error");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("complete-bash") && stderr.contains("man"),
            "{binary}: the error does not list the kinds: {stderr}"
        );
        let help = run_ok(bin_command(binary).arg("--help"));
        assert!(
            !String::from_utf8_lossy(&help.stdout).contains("--generate"),
            "{binary}: --generate shows in --help"
        );
    }
}
