//! RoundRobin packing and repacking, computing the same plans as Heron's `RoundRobinPacking`.
//!
//! Packing decides which container runs which instance of which component, and how much CPU, RAM
//! and disk each instance and container gets. Aurora then runs `1 + containers` identical tasks,
//! sized by the largest container ([`aurora_resources`]).
//!
//! # What matches Heron, and the one thing that does not
//! Numbers match Heron's Java exactly: RAM and disk are whole bytes with `ByteAmount`'s checked
//! arithmetic and `Math.round` division, CPU is a double summed in the same order, the default
//! container CPU is `Math.round(instanceCpu × largest + 1.0)`, and every error condition of
//! Heron's packer is an error here (with a message naming the topology key to change).
//!
//! Heron places components in decreasing order of their `topology.component.rammap` RAM, and
//! components with equal RAM (all of them, when there is no RAM map) in `HashMap` key order. We
//! keep those ties in **definition order** (spouts, then bolts, as the topology lists them), so
//! the same topology always gives the same plan, and the plan is easy to predict. Task ids may
//! therefore differ from a plan Heron's Java would compute for the same topology; containers,
//! instance counts per container and all resources are the same.
//!
//! # Layout
//! - [`roundrobin`]: [`pack`], [`repack`], [`repack_with_containers`].
//! - [`plan`]: reading plans: [`homogeneous`], [`max_container_resource`], [`component_counts`],
//!   [`component_ram_distribution`], [`aurora_resources`], [`parallelism_deltas`].
//! - [`render`]: the `--dry-run-format` renderings of a plan and of an update.

pub mod plan;
pub mod render;
pub mod roundrobin;
mod units;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::proto::system::PackingPlan;

pub use plan::{
    AuroraResources, aurora_resources, component_counts, component_ram_distribution, homogeneous,
    max_container_resource, parallelism_deltas,
};
pub use render::{
    ContainerChange, ContainerDiff, DryRunFormat, diff_plans, render_json, render_raw,
    render_submit, render_table, render_update, render_update_json, render_update_raw,
    render_update_table,
};
pub use roundrobin::{pack, repack, repack_with_containers};
pub use units::format_bytes;

/// One GiB in bytes.
pub const GIB: i64 = 1 << 30;
/// One MiB in bytes.
pub const MIB: i64 = 1 << 20;

/// Config keys for the per-instance defaults (Heron's `Key` enum names).
pub mod config_keys {
    /// CPU of an instance (default 1.0).
    pub const INSTANCE_CPU: &str = "heron.resources.instance.cpu";
    /// RAM of an instance in bytes (default 1 GiB).
    pub const INSTANCE_RAM: &str = "heron.resources.instance.ram";
    /// Disk of an instance in bytes (default 1 GiB).
    pub const INSTANCE_DISK: &str = "heron.resources.instance.disk";
    /// RAM of a stream manager in bytes (default 1 GiB).
    pub const STMGR_RAM: &str = "heron.resources.stmgr.ram";
    /// RAM of a metrics manager in bytes (default 1 GiB).
    pub const METRICSMGR_RAM: &str = "heron.resources.metricsmgr.ram";
    /// RAM of a checkpoint manager in bytes (default 1 GiB).
    pub const CKPTMGR_RAM: &str = "heron.resources.ckptmgr.ram";
}

/// Resource defaults from the cluster config.
///
/// RoundRobin uses the three instance values. The three daemon RAM values are carried for
/// completeness, but RoundRobin does not use them: like Heron's, its padding comes from the
/// topology keys `topology.stmgr.ram`, `topology.metricsmgr.ram` and
/// `topology.stateful.checkpointmanager.ram`, with a fixed 1 GiB default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackingDefaults {
    /// `heron.resources.instance.cpu`.
    pub instance_cpu: f64,
    /// `heron.resources.instance.ram`, bytes.
    pub instance_ram: i64,
    /// `heron.resources.instance.disk`, bytes.
    pub instance_disk: i64,
    /// `heron.resources.stmgr.ram`, bytes.
    pub stmgr_ram: i64,
    /// `heron.resources.metricsmgr.ram`, bytes.
    pub metricsmgr_ram: i64,
    /// `heron.resources.ckptmgr.ram`, bytes.
    pub ckptmgr_ram: i64,
}

impl Default for PackingDefaults {
    /// Heron's built-in defaults: 1.0 CPU and 1 GiB everywhere.
    fn default() -> PackingDefaults {
        PackingDefaults {
            instance_cpu: 1.0,
            instance_ram: GIB,
            instance_disk: GIB,
            stmgr_ram: GIB,
            metricsmgr_ram: GIB,
            ckptmgr_ram: GIB,
        }
    }
}

impl PackingDefaults {
    /// Reads the defaults from a cluster config; absent keys keep Heron's defaults.
    pub fn from_config(config: &Config) -> Result<PackingDefaults> {
        let base = PackingDefaults::default();
        let bytes = |key: &str, default: i64| -> Result<i64> {
            match config.get_u64(key)? {
                None => Ok(default),
                Some(v) => i64::try_from(v).map_err(|_| Error::ConfigValue {
                    key: key.to_string(),
                    origin: config.origin(key).map(Into::into),
                    message: format!("{v} bytes is too large"),
                }),
            }
        };
        let instance_cpu = match config.get_f64(config_keys::INSTANCE_CPU)? {
            None => base.instance_cpu,
            Some(cpu) if cpu.is_finite() => cpu,
            Some(cpu) => {
                return Err(Error::ConfigValue {
                    key: config_keys::INSTANCE_CPU.to_string(),
                    origin: config.origin(config_keys::INSTANCE_CPU).map(Into::into),
                    message: format!("{cpu} is not a usable number of cores"),
                });
            }
        };
        Ok(PackingDefaults {
            instance_cpu,
            instance_ram: bytes(config_keys::INSTANCE_RAM, base.instance_ram)?,
            instance_disk: bytes(config_keys::INSTANCE_DISK, base.instance_disk)?,
            stmgr_ram: bytes(config_keys::STMGR_RAM, base.stmgr_ram)?,
            metricsmgr_ram: bytes(config_keys::METRICSMGR_RAM, base.metricsmgr_ram)?,
            ckptmgr_ram: bytes(config_keys::CKPTMGR_RAM, base.ckptmgr_ram)?,
        })
    }
}

/// A packing plan and what the packer warned about while making it.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// The plan: containers 1..N, no scheduled resources yet (see [`homogeneous`]).
    pub plan: PackingPlan,
    /// Warnings for the user (for example a container hint that leaves too little padding).
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Value;

    #[test]
    fn defaults_from_empty_config_are_herons() {
        let d = PackingDefaults::from_config(&Config::new()).unwrap();
        assert_eq!(d, PackingDefaults::default());
        assert_eq!(d.instance_ram, 1_073_741_824);
        assert_eq!(d.instance_cpu, 1.0);
    }

    #[test]
    fn defaults_from_config_values() {
        let mut c = Config::new();
        c.set(config_keys::INSTANCE_CPU, Value::Float(0.5), None);
        c.set(config_keys::INSTANCE_RAM, Value::Int(536_870_912), None);
        c.set_str(config_keys::INSTANCE_DISK, "2147483648");
        let d = PackingDefaults::from_config(&c).unwrap();
        assert_eq!(
            (d.instance_cpu, d.instance_ram, d.instance_disk),
            (0.5, 536_870_912, 2_147_483_648)
        );

        c.set_str(config_keys::INSTANCE_RAM, "lots");
        let err = PackingDefaults::from_config(&c).unwrap_err().to_string();
        assert!(err.contains(config_keys::INSTANCE_RAM), "{err}");
        c.set(config_keys::INSTANCE_RAM, Value::Int(-1), None);
        assert!(PackingDefaults::from_config(&c).is_err());
        c.set(config_keys::INSTANCE_RAM, Value::Int(1), None);
        c.set(config_keys::INSTANCE_CPU, Value::Float(f64::NAN), None);
        let err = PackingDefaults::from_config(&c).unwrap_err().to_string();
        assert!(err.contains(config_keys::INSTANCE_CPU), "{err}");
    }
}
