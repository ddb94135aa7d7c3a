//! The values some options take, checked as Heron checks them (its regular expressions), with an
//! error that names the option and shows an example.

/// Parses `--config-property KEY=VALUE` values: `=` exactly once, as Heron requires.
pub fn parse_properties(values: &[String]) -> Result<Vec<(String, String)>, String> {
    values
        .iter()
        .map(|v| {
            let mut parts = v.split('=');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(k), Some(val), None) if !k.trim().is_empty() => {
                    Ok((k.trim().to_string(), val.to_string()))
                }
                _ => Err(format!(
                    "invalid --config-property {v:?}: expected KEY=VALUE with exactly one '=' \
                     (example: --config-property heron.scheduler.job.max.kill.attempts=3)"
                )),
            }
        })
        .collect()
}

/// `--component-parallelism name:N` (Heron's regex `^[\w\.-]+:[\d]+$`).
pub fn parse_parallelism(
    values: &[String],
) -> Result<std::collections::BTreeMap<String, u32>, String> {
    let mut out = std::collections::BTreeMap::new();
    for v in values {
        let bad = || {
            format!("invalid --component-parallelism {v:?}: expected NAME:N, for example split:4")
        };
        let (name, n) = v.rsplit_once(':').ok_or_else(bad)?;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-".contains(c))
        {
            return Err(bad());
        }
        if n.is_empty() || !n.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u32 = n.parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(format!(
                "invalid --component-parallelism {v:?}: parallelism must be at least 1"
            ));
        }
        out.insert(name.to_string(), n);
    }
    Ok(out)
}

/// `--runtime-config [component:]key:value` (Heron's regex `^([\w\.-]+:){1,2}[\w\.-]+$`).
pub fn check_runtime_config(values: &[String]) -> Result<(), String> {
    for v in values {
        let parts: Vec<&str> = v.split(':').collect();
        let ok = (parts.len() == 2 || parts.len() == 3)
            && parts.iter().all(|p| {
                !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || "_.-".contains(c))
            });
        if !ok {
            return Err(format!(
                "invalid --runtime-config {v:?}: expected [COMPONENT:]KEY:VALUE, for example split:my.key:10"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn properties_need_exactly_one_equals() {
        assert_eq!(
            parse_properties(&v(&["a.b=1"])).unwrap(),
            vec![("a.b".into(), "1".into())]
        );
        assert!(parse_properties(&v(&["a=b=c"])).is_err());
        assert!(parse_properties(&v(&["ab"])).is_err());
        assert!(parse_properties(&v(&["=x"])).is_err());
    }

    #[test]
    fn parallelism_and_runtime_config_syntax() {
        let p = parse_parallelism(&v(&["split:4", "count.x-y:1"])).unwrap();
        assert_eq!(p.get("split"), Some(&4));
        assert_eq!(p.get("count.x-y"), Some(&1));
        assert!(parse_parallelism(&v(&["split"])).is_err());
        assert!(parse_parallelism(&v(&["split:-1"])).is_err());
        assert!(parse_parallelism(&v(&["split:0"])).is_err());
        assert!(check_runtime_config(&v(&["k:v", "c:k:v"])).is_ok());
        assert!(check_runtime_config(&v(&["k"])).is_err());
        assert!(check_runtime_config(&v(&["a:b:c:d"])).is_err());
    }
}
