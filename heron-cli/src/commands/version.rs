//! `heron version`: the release this CLI belongs to; it needs no cluster.

use serde_json::json;

use crate::cli::args::{Format, VersionCmd};
use crate::cli::context::refuse_service_url;

/// `heron version`: the release file's keys (ours when there is none), and this CLI's version.
pub fn version(cmd: VersionCmd) -> anyhow::Result<()> {
    refuse_service_url(cmd.service_url.as_deref())?;
    // The same file, found the same way, as `heron submit` packs (a named file must exist).
    let release = crate::topology::release::read(cmd.release_yaml_file.as_deref())?;
    let text = release.text;
    let source = release
        .path
        .map_or_else(|| "built-in".to_string(), |p| p.display().to_string());
    let mut pairs = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            pairs.push((
                k.trim().to_string(),
                v.trim().trim_matches(|c| c == '\'' || c == '"').to_string(),
            ));
        }
    }
    if cmd.format == Format::Json {
        let release: serde_json::Map<String, serde_json::Value> =
            pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let doc = json!({"cli_version": env!("CARGO_PKG_VERSION"), "release_file": source, "release": release});
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for (k, v) in &pairs {
            println!("{k} : {v}");
        }
        println!("heron-rs cli : {}", env!("CARGO_PKG_VERSION"));
    }
    Ok(())
}
