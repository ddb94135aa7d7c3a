//! `heron version` and `heron config`: commands that need no cluster.

use heron_common::ExitCode;
use heron_common::error::CodedError;
use serde_json::json;

use crate::cli::args::{ConfigCmd, Format, VersionCmd};
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

/// Heron's only `heron config` property: the API server's URL.
const SERVICE_URL: &str = "service_url";

/// `heron config <cluster> list|set|unset`: the only property (`service_url`) belongs to the
/// API-server mode this CLI does not support, so `list` shows nothing and `set` is refused.
/// Every refusal is about what was typed: a property that is not `service_url` is named as
/// unknown (Heron prints `Error: Unknown property [..]` and exits 0; we exit 2).
pub fn config(cmd: ConfigCmd) -> anyhow::Result<()> {
    let bad =
        |message: String| -> anyhow::Error { CodedError::new(ExitCode::BadInput, message).into() };
    let unknown = |property: &str| {
        bad(format!(
            "{property:?} is not a property of `heron config`: its only property is {SERVICE_URL} \
             (the URL of Heron's API server)"
        ))
    };
    match (cmd.action.as_str(), cmd.property.as_deref()) {
        ("list", _) => {
            if cmd.format == Format::Json {
                println!("{}", json!({"cluster": cmd.cluster, "properties": {}}));
            } else {
                println!("no properties set for cluster {}", cmd.cluster);
            }
            Ok(())
        }
        (action, None) => Err(bad(format!(
            "`heron config {} {action}` needs a property: the only one is {SERVICE_URL} \
             (heron config {} {action} {SERVICE_URL}{})",
            cmd.cluster,
            cmd.cluster,
            if action == "set" { " URL" } else { "" }
        ))),
        (_, Some(property)) if property != SERVICE_URL => Err(unknown(property)),
        ("unset", Some(_)) => {
            if cmd.format == Format::Json {
                println!("{}", json!({"cluster": cmd.cluster, "unset": SERVICE_URL}));
            } else {
                println!("{SERVICE_URL} is not set for cluster {}", cmd.cluster);
            }
            Ok(())
        }
        (_, Some(_)) => Err(bad(format!(
            "{SERVICE_URL} configures Heron's API-server mode, which this heron does not support; \
             it talks to the cluster directly"
        ))),
    }
}
