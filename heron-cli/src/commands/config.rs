//! `heron config`: Heron's per-cluster CLI settings, whose only property belongs to the API-server
//! mode this CLI does not support; it needs no cluster.

use heron_common::ExitCode;
use heron_common::error::CodedError;
use serde_json::json;

use crate::cli::args::{ConfigCmd, Format};

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
