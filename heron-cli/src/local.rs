//! `heron version` and `heron config`: commands that need no cluster.

use anyhow::Context as _;
use heron_common::ExitCode;
use heron_common::error::CodedError;
use serde_json::json;

use crate::args::{ConfigCmd, Format, VersionCmd};
use crate::context::refuse_service_url;

/// `heron version`: the release file's keys (ours when there is none), and this CLI's version.
pub fn version(cmd: VersionCmd) -> anyhow::Result<()> {
    refuse_service_url(cmd.service_url.as_deref())?;
    let path = cmd.release_yaml_file.clone().or_else(|| {
        heron_common::config::loader::default_heron_home().map(|h| h.join("release.yaml"))
    });
    let (text, source) = match path.filter(|p| p.is_file()) {
        Some(p) => (
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?,
            p.display().to_string(),
        ),
        None => (
            crate::package::default_release_yaml(),
            "built-in".to_string(),
        ),
    };
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

/// `heron config <cluster> list|set|unset`: the only property (`service_url`) belongs to the
/// API-server mode this CLI does not support, so `list` shows nothing and `set` is refused.
pub fn config(cmd: ConfigCmd) -> anyhow::Result<()> {
    match cmd.action.as_str() {
        "list" => {
            if cmd.format == Format::Json {
                println!("{}", json!({"cluster": cmd.cluster, "properties": {}}));
            } else {
                println!("no properties set for cluster {}", cmd.cluster);
            }
            Ok(())
        }
        "unset" => match cmd.property.as_deref() {
            Some("service_url") => {
                if cmd.format == Format::Json {
                    println!(
                        "{}",
                        json!({"cluster": cmd.cluster, "unset": "service_url"})
                    );
                } else {
                    println!("service_url is not set for cluster {}", cmd.cluster);
                }
                Ok(())
            }
            other => Err(CodedError::new(
                ExitCode::BadInput,
                format!(
                    "unknown property {:?}: the only property is service_url",
                    other.unwrap_or("")
                ),
            )
            .into()),
        },
        _ => Err(CodedError::new(
            ExitCode::BadInput,
            "service_url configures Heron's API-server mode, which this heron does not support; \
             it talks to the cluster directly",
        )
        .into()),
    }
}
