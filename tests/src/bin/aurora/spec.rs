//! Job keys and instance specifiers, parsed as Aurora's client parses them
//! (`apache.aurora.client.cli.options`): `CLUSTER/ROLE/ENV/NAME`, `.../NAME/INSTANCE` for `add`,
//! `.../NAME[/INSTANCES]` with lists and ranges (`0,2-4`) for `kill` and `restart`.

use std::collections::BTreeSet;

use crate::jobfile::JobKey;

/// Aurora's `GOOD_IDENTIFIER_PATTERN` `^[\w\-\.]+$` (ASCII), minus `.` and `..`, which would
/// escape the stand-in's state directory.
pub fn valid_identifier(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

fn key_from(parts: &[&str], arg: &str) -> Result<JobKey, String> {
    for (label, part) in ["cluster", "role", "environment", "name"].iter().zip(parts) {
        if !valid_identifier(part) {
            return Err(format!(
                "invalid {label} {part:?} in {arg:?}: use letters, digits, `_`, `-` and `.`"
            ));
        }
    }
    Ok(JobKey {
        cluster: parts[0].to_string(),
        role: parts[1].to_string(),
        env: parts[2].to_string(),
        name: parts[3].to_string(),
    })
}

/// `CLUSTER/ROLE/ENV/NAME`.
pub fn parse_job_key(arg: &str) -> Result<JobKey, String> {
    let parts: Vec<&str> = arg.split('/').collect();
    if parts.len() != 4 {
        return Err(format!(
            "job key {arg:?} is not in the form CLUSTER/ROLE/ENV/NAME"
        ));
    }
    key_from(&parts, arg)
}

/// `CLUSTER/ROLE/ENV/NAME/INSTANCE` (one instance id), as `aurora job add` takes.
#[derive(Debug, Clone)]
pub struct TaskInstance {
    pub key: JobKey,
    pub instance: u32,
}

pub fn parse_task_instance(arg: &str) -> Result<TaskInstance, String> {
    let parts: Vec<&str> = arg.split('/').collect();
    if parts.len() != 5 {
        return Err(format!(
            "Task instance specifier {arg} is not in the form CLUSTER/ROLE/ENV/NAME/INSTANCE"
        ));
    }
    let key = key_from(&parts[..4], arg)?;
    let instance = parts[4]
        .parse::<u32>()
        .map_err(|_| format!("Instance must be an integer, but got {}", parts[4]))?;
    Ok(TaskInstance { key, instance })
}

/// `CLUSTER/ROLE/ENV/NAME[/INSTANCES]`; `instances` is None for the whole job.
#[derive(Debug, Clone)]
pub struct InstanceSpec {
    pub key: JobKey,
    pub instances: Option<BTreeSet<u32>>,
}

pub fn parse_instance_spec(arg: &str) -> Result<InstanceSpec, String> {
    let parts: Vec<&str> = arg.split('/').collect();
    match parts.len() {
        4 => Ok(InstanceSpec {
            key: key_from(&parts, arg)?,
            instances: None,
        }),
        5 => Ok(InstanceSpec {
            key: key_from(&parts[..4], arg)?,
            instances: parse_instances(parts[4])?,
        }),
        _ => Err(format!(
            "Instance specifier {arg:?} must be a CLUSTER/ROLE/ENV/JOB/INSTANCES tuple"
        )),
    }
}

/// `0-2`, `0,1-3,5`; empty means the whole job, as in Aurora.
pub fn parse_instances(s: &str) -> Result<Option<BTreeSet<u32>>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let mut out = BTreeSet::new();
    for part in s.split(',') {
        let bounds: Vec<&str> = part.split('-').collect();
        let parse = |x: &str| {
            x.trim()
                .parse::<u32>()
                .map_err(|_| format!("invalid instance {x:?} in {s:?}: expected ids like 0,2-4"))
        };
        let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else {
            return Err(format!("invalid instance list {s:?}"));
        };
        let start = parse(first)?;
        let end = parse(last)?;
        if start > end {
            return Err(format!("Invalid instance range: {part}"));
        }
        out.extend(start..=end);
    }
    Ok(Some(out))
}

/// Python's `str(list)` of ids, `[3, 4]`: the form Heron parses from `aurora job add` output.
pub fn py_list(ids: impl IntoIterator<Item = u32>) -> String {
    let parts: Vec<String> = ids.into_iter().map(|i| i.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_lists_and_ranges() {
        let spec = parse_instance_spec("c/r/e/n/0,2-4").unwrap();
        assert_eq!(
            spec.instances.unwrap().into_iter().collect::<Vec<_>>(),
            vec![0, 2, 3, 4]
        );
        assert!(parse_instance_spec("c/r/e/n").unwrap().instances.is_none());
        assert!(parse_instances("3-1").is_err());
        assert!(parse_instances("a").is_err());
        assert!(parse_job_key("c/r/e").is_err());
        assert!(parse_job_key("c/r/../n").is_err());
        assert!(parse_task_instance("c/r/e/n/x").is_err());
        assert_eq!(py_list([3, 4]), "[3, 4]");
    }
}
