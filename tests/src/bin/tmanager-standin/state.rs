//! The local-filesystem state the stand-in reads and writes, in Heron's layout: the topology id,
//! the tmanager location it registers, and the physical plan.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result};
use heron_common::proto::{api, system, tmanager};
use prost::Message as _;

use crate::BadInput;
use crate::files::write_atomic;

/// The topology id from pplans/NAME, else topologies/NAME.
pub(crate) fn find_topology_id(root: &Path, name: &str) -> Result<String> {
    if let Some(pplan) = read_pplan(&root.join("pplans").join(name))? {
        return Ok(pplan.topology.id);
    }
    let path = root.join("topologies").join(name);
    match fs::read(&path) {
        Ok(bytes) if !bytes.is_empty() => {
            let topology = api::Topology::decode(bytes.as_slice()).map_err(|e| {
                anyhow::Error::new(BadInput(format!(
                    "{} is not a heron.proto.api.Topology: {e}",
                    path.display()
                )))
            })?;
            Ok(topology.id)
        }
        Ok(_) => Err(anyhow::Error::new(BadInput(format!(
            "{} is empty; pass --topology-id",
            path.display()
        )))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(anyhow::Error::new(BadInput(format!(
                "no physical plan or topology for {name} under {}; submit it first or pass --topology-id",
                root.display()
            ))))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// What the tmanager registers at start (localfs: a plain overwrite).
pub(crate) fn write_location(root: &Path, name: &str, id: &str, port: u16) -> Result<()> {
    let location = tmanager::TManagerLocation {
        topology_name: name.to_string(),
        topology_id: id.to_string(),
        host: "127.0.0.1".into(),
        controller_port: i32::from(port),
        // The stand-in has no stream-manager server port; 0 keeps the required field set.
        server_port: 0,
        stats_port: None,
    };
    write_atomic(
        &root.join("tmanagers").join(name),
        &location.encode_to_vec(),
    )
}

pub(crate) fn read_pplan(path: &Path) -> Result<Option<system::PhysicalPlan>> {
    match fs::read(path) {
        // Heron's localfs state manager reads an empty file as "no node".
        Ok(bytes) if bytes.is_empty() => Ok(None),
        Ok(bytes) => system::PhysicalPlan::decode(bytes.as_slice())
            .map(Some)
            .with_context(|| {
                format!(
                    "{} is not a heron.proto.system.PhysicalPlan",
                    path.display()
                )
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
