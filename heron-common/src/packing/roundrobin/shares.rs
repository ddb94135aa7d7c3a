//! How RoundRobin splits one resource (RAM in bytes, CPU in cores) among a container's instances
//! (Heron's `calculateInstancesResourceMapInContainer`): mapped components get their map value,
//! the others share what is left after the padding, within the container's hint.

use std::collections::HashMap;

use super::packer::{Packer, Slot};
use crate::config::format_java_double;
use crate::error::Result;
use crate::packing::units::{format_bytes, java_round};

/// A resource RoundRobin splits per container: RAM in bytes or CPU in cores.
pub(super) trait Measure: Copy + PartialOrd {
    const ZERO: Self;
    const KIND: &'static str;
    fn plus(self, other: Self) -> Option<Self>;
    fn minus(self, other: Self) -> Option<Self>;
    fn split(self, parts: usize) -> Self;
    fn show(self) -> String;
}

impl Measure for i64 {
    const ZERO: i64 = 0;
    const KIND: &'static str = "RAM";
    fn plus(self, other: i64) -> Option<i64> {
        self.checked_add(other)
    }
    fn minus(self, other: i64) -> Option<i64> {
        self.checked_sub(other)
    }
    fn split(self, parts: usize) -> i64 {
        java_round(self as f64 / parts as f64)
    }
    fn show(self) -> String {
        format_bytes(self)
    }
}

impl Measure for f64 {
    const ZERO: f64 = 0.0;
    const KIND: &'static str = "CPU";
    fn plus(self, other: f64) -> Option<f64> {
        Some(self + other)
    }
    fn minus(self, other: f64) -> Option<f64> {
        Some(self - other)
    }
    fn split(self, parts: usize) -> f64 {
        self / parts as f64
    }
    fn show(self) -> String {
        format_java_double(self)
    }
}

/// How one resource is budgeted per container.
pub(super) struct Budget<'a, M> {
    /// Per-instance values from `topology.component.{ram,cpu}map`.
    pub(super) map: &'a HashMap<String, M>,
    pub(super) map_key: &'a str,
    /// `topology.container.{ram,cpu}`, if set.
    pub(super) hint: Option<M>,
    pub(super) hint_key: &'a str,
    /// The container size when there is no hint.
    pub(super) default_container: M,
    pub(super) padding: M,
}

impl Packer<'_> {
    /// Per-instance amounts of one resource, container by container (Heron's
    /// `calculateInstancesResourceMapInContainer`).
    pub(super) fn shares<M: Measure>(
        &self,
        allocation: &[Vec<Slot>],
        budget: &Budget<'_, M>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Vec<M>>> {
        let kind = M::KIND;
        let overflow = || {
            self.bad(format!(
                "{kind} values of `{}` and `{}` are too large to add up",
                budget.map_key, budget.hint_key
            ))
        };
        let mut out = Vec::with_capacity(allocation.len());
        for (i, slots) in allocation.iter().enumerate() {
            let id = i + 1;
            let mut amounts: Vec<Option<M>> = vec![None; slots.len()];
            let mut used = M::ZERO;
            let mut unspecified = Vec::new();
            for (j, slot) in slots.iter().enumerate() {
                match budget.map.get(&slot.component) {
                    Some(v) => {
                        amounts[j] = Some(*v);
                        used = used.plus(*v).ok_or_else(overflow)?;
                    }
                    None => unspecified.push(j),
                }
            }

            // With a hint, mapped instances may eat into the padding (a warning) but not exceed
            // the hint itself (an error).
            let mut throttled = false;
            if let Some(hint) = budget.hint
                && used > hint.minus(budget.padding).ok_or_else(overflow)?
            {
                if used > hint {
                    return Err(self.bad(format!(
                        "container {id} holds instances whose `{}` {kind} adds up to {}, more than the \
                         container's `{}` of {}; lower those entries or raise `{}`",
                        budget.map_key,
                        used.show(),
                        budget.hint_key,
                        hint.show(),
                        budget.hint_key
                    )));
                }
                throttled = true;
                warnings.push(format!(
                    "container {id} (`{}` {}) hosts instances that take {} {kind}, leaving less than the {} \
                     {kind} Heron's own processes in the container need",
                    budget.hint_key,
                    hint.show(),
                    used.show(),
                    budget.padding.show()
                ));
            }

            if !unspecified.is_empty() {
                let container = budget.hint.unwrap_or(budget.default_container);
                let remaining = if throttled {
                    container.minus(used)
                } else {
                    container.minus(budget.padding).and_then(|r| r.minus(used))
                }
                .ok_or_else(overflow)?;
                if remaining <= M::ZERO {
                    return Err(self.bad(format!(
                        "container {id} has no {kind} left for instances of components not in `{}`: the \
                         container has {} ({}), {} of it is padding for Heron's processes and {} goes to \
                         instances named in `{}`; raise `{}` or lower those entries",
                        budget.map_key,
                        container.show(),
                        if budget.hint.is_some() { format!("`{}`", budget.hint_key) } else { "the default".into() },
                        if throttled { M::ZERO.show() } else { budget.padding.show() },
                        used.show(),
                        budget.map_key,
                        budget.hint_key
                    )));
                }
                let each = remaining.split(unspecified.len());
                for j in unspecified {
                    amounts[j] = Some(each);
                }
            }
            out.push(amounts.into_iter().map(|a| a.unwrap_or(M::ZERO)).collect());
        }
        Ok(out)
    }
}
