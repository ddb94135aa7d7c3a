//! The controller endpoints, answered as the real tmanager's `tcontroller.cpp` does:
//! activate, deactivate, runtime-config updates (`KEY:runtime` entries in the physical plan) and
//! cleaning checkpoints, each checking the topology id and the current state first.

use std::collections::BTreeMap;

use heron_common::proto::{api, system};
use prost::Message as _;

use crate::files::write_atomic;
use crate::http::{Reply, first};
use crate::state::read_pplan;
use crate::{Server, Store};

pub(crate) fn handle(server: &Server, path: &str, query: &[(String, String)]) -> Reply {
    let endpoint = match path {
        "/activate"
        | "/deactivate"
        | "/runtime_config/update"
        | "/clean_all_stateful_checkpoints" => path,
        _ => return Reply::err(404, "Not Supported"),
    };
    match first(query, "topologyid") {
        None | Some("") => return Reply::err(400, "Missing 'topologyid' argument in the request"),
        Some(id) if id != server.topology_id => {
            return Reply::err(400, "Topology id does not match");
        }
        Some(_) => {}
    }
    let mut store = match server.store.lock() {
        Ok(s) => s,
        Err(_) => return Reply::err(500, "state lock poisoned"),
    };
    // Load the current plan (or the in-memory state).
    let mut pplan = match &*store {
        Store::Memory { .. } => None,
        Store::LocalFs { pplan } => match read_pplan(pplan) {
            Ok(Some(p)) => Some(p),
            Ok(_) => {
                return Reply::err(
                    500,
                    "Tmanager still not initialized (physical plan is not available)",
                );
            }
            Err(e) => return Reply::err(500, &format!("cannot read the physical plan: {e:#}")),
        },
    };
    let current = match (&*store, &pplan) {
        (Store::Memory { state }, _) => *state,
        (_, Some(p)) => {
            api::TopologyState::try_from(p.topology.state).unwrap_or(api::TopologyState::Killed)
        }
        (_, None) => api::TopologyState::Killed,
    };

    let (new_state, ok_body) = match endpoint {
        "/activate" => {
            if current != api::TopologyState::Paused {
                return Reply::err(400, "");
            }
            (
                Some(api::TopologyState::Running),
                "Topology successfully activated",
            )
        }
        "/deactivate" => {
            if current != api::TopologyState::Running {
                return Reply::err(400, "");
            }
            (
                Some(api::TopologyState::Paused),
                "Topology successfully deactivated",
            )
        }
        "/clean_all_stateful_checkpoints" => (None, "Checkpoints successfully cleaned"),
        _ => {
            let configs = match parse_runtime_configs(query) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            if let Some(p) = &pplan
                && !components_exist(p, &configs)
            {
                return Reply::err(400, "Failed to validate runtime configs");
            }
            if server.fail {
                return Reply::err(500, "Failed to update runtime configs");
            }
            if let Some(p) = pplan.as_mut() {
                apply_runtime_configs(p, &configs);
            }
            (None, "Runtime config updated")
        }
    };
    if server.fail {
        return Reply::err(500, "");
    }
    if let Some(state) = new_state {
        match (&mut *store, pplan.as_mut()) {
            (Store::Memory { state: s }, _) => *s = state,
            (_, Some(p)) => p.topology.state = state as i32,
            (_, None) => {}
        }
    }
    if let (Store::LocalFs { pplan: path }, Some(p)) = (&*store, &pplan)
        && (new_state.is_some() || endpoint == "/runtime_config/update")
        && let Err(e) = write_atomic(path, &p.encode_to_vec())
    {
        return Reply::err(500, &format!("cannot write the physical plan: {e:#}"));
    }
    Reply::ok(ok_body)
}

/// The reserved "component" name for topology-level runtime configs.
const TOPOLOGY_LEVEL: &str = "";

type RuntimeConfigs = BTreeMap<String, BTreeMap<String, String>>;

fn parse_runtime_configs(query: &[(String, String)]) -> std::result::Result<RuntimeConfigs, Reply> {
    let values: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "runtime-config")
        .map(|(_, v)| v.as_str())
        .collect();
    if values.is_empty() {
        return Err(Reply::err(
            400,
            "No runtime config is found. Usage: runtime-config=[COMPONENT:]<CONFIG>:<VALUE>.",
        ));
    }
    let mut out = RuntimeConfigs::new();
    for v in values {
        let segments: Vec<&str> = v.split(':').collect();
        let (component, key, value) = match segments.as_slice() {
            [k, v] => (TOPOLOGY_LEVEL, *k, *v),
            [c, k, v] => (*c, *k, *v),
            _ => {
                return Err(Reply::err(
                    400,
                    "Failed to parse runtime configs. Possibly bad format. The expected format is [COMPONENT:]<CONFIG>:<VALUE>.",
                ));
            }
        };
        out.entry(component.to_string())
            .or_default()
            .insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

fn components_exist(pplan: &system::PhysicalPlan, configs: &RuntimeConfigs) -> bool {
    let t = &pplan.topology;
    configs
        .keys()
        .filter(|c| c.as_str() != TOPOLOGY_LEVEL)
        .all(|c| {
            t.spouts.iter().any(|s| &s.comp.name == c) || t.bolts.iter().any(|b| &b.comp.name == c)
        })
}

/// Heron stores runtime configs as `KEY:runtime` entries (updated in place, else appended).
fn apply_runtime_configs(pplan: &mut system::PhysicalPlan, configs: &RuntimeConfigs) {
    let t = &mut pplan.topology;
    for (component, kvs) in configs {
        if component == TOPOLOGY_LEVEL {
            // The real tmanager only updates an existing topology config.
            if let Some(config) = t.topology_config.as_mut() {
                upsert(config, kvs);
            }
        } else {
            for comp in t
                .spouts
                .iter_mut()
                .map(|s| &mut s.comp)
                .chain(t.bolts.iter_mut().map(|b| &mut b.comp))
                .filter(|c| &c.name == component)
            {
                upsert(&mut comp.config, kvs);
            }
        }
    }
}

fn upsert(config: &mut api::Config, kvs: &BTreeMap<String, String>) {
    for (key, value) in kvs {
        let key = format!("{key}:runtime");
        match config.kvs.iter_mut().find(|kv| kv.key == key) {
            Some(kv) => kv.value = Some(value.clone()),
            None => config.kvs.push(api::config::KeyValue {
                key,
                value: Some(value.clone()),
                serialized_value: None,
                r#type: None,
            }),
        }
    }
}
