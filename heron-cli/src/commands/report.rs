//! Wording the commands share in their result lines, so a dry run, a submit and an update say
//! the same thing the same way.

/// `2 containers (3 Aurora instances with the tmanager's)`: the packing plan's containers, and the
/// Aurora instances of the job, which has one more (instance 0 runs the topology manager).
pub fn containers_phrase(containers: usize) -> String {
    let instances = containers + 1;
    format!(
        "{containers} container{} ({instances} Aurora instance{} with the tmanager's)",
        if containers == 1 { "" } else { "s" },
        if instances == 1 { "" } else { "s" },
    )
}

/// The packing class a dry run names: the config's `key` (`heron.class.packing.algorithm` or
/// `heron.class.repacking.algorithm`), else Heron's default, round robin.
pub fn packing_class(config: &heron_common::config::Config, key: &str) -> String {
    config
        .get_str(key)
        .ok()
        .flatten()
        .unwrap_or_else(|| "org.apache.heron.packing.roundrobin.RoundRobinPacking".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_and_aurora_instances() {
        assert_eq!(
            containers_phrase(2),
            "2 containers (3 Aurora instances with the tmanager's)"
        );
        assert_eq!(
            containers_phrase(1),
            "1 container (2 Aurora instances with the tmanager's)"
        );
    }
}
