//! Heron's `topology.reliability.mode`, and whether a topology is stateful.

use std::fmt;

use super::{bad_value, config_value, keys};
use crate::error::Result;
use crate::proto::api::Topology;

/// Heron's `topology.reliability.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReliabilityMode {
    /// No delivery guarantee (Heron's default).
    #[default]
    AtMostOnce,
    /// Tuples are acked and replayed on failure.
    AtLeastOnce,
    /// Stateful, checkpointed processing; containers run a checkpoint manager.
    EffectivelyOnce,
}

impl ReliabilityMode {
    /// Heron's spelling of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            ReliabilityMode::AtMostOnce => "ATMOST_ONCE",
            ReliabilityMode::AtLeastOnce => "ATLEAST_ONCE",
            ReliabilityMode::EffectivelyOnce => "EFFECTIVELY_ONCE",
        }
    }
}

impl fmt::Display for ReliabilityMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The topology's reliability mode; absent or empty means `ATMOST_ONCE`.
///
/// Fails on a value that is not one of Heron's three names (Heron's `valueOf` throws there too).
pub fn reliability_mode(topology: &Topology) -> Result<ReliabilityMode> {
    match config_value(topology, keys::RELIABILITY_MODE) {
        None | Some("") => Ok(ReliabilityMode::AtMostOnce),
        Some("ATMOST_ONCE") => Ok(ReliabilityMode::AtMostOnce),
        Some("ATLEAST_ONCE") => Ok(ReliabilityMode::AtLeastOnce),
        Some("EFFECTIVELY_ONCE") => Ok(ReliabilityMode::EffectivelyOnce),
        Some(other) => Err(bad_value(
            topology,
            keys::RELIABILITY_MODE,
            other,
            "ATMOST_ONCE, ATLEAST_ONCE or EFFECTIVELY_ONCE",
        )),
    }
}

/// True when the topology is stateful (`EFFECTIVELY_ONCE`, spelled exactly so).
pub fn is_stateful(topology: &Topology) -> bool {
    config_value(topology, keys::RELIABILITY_MODE) == Some("EFFECTIVELY_ONCE")
}
