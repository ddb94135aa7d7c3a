//! The `HERON_OPTIONS` environment variable given to topology programs (heron-aurora.md §4.4).
//!
//! Format: `k1=v1,k2=v2`, pairs joined by `,`, every space written as `%%%%`. Readers (Java's
//! `Utils.readCommandLineOpts`, heronpy, C++) turn `%%%%` back into a space, split on `,` and
//! then on `=`; Java keeps only pairs with exactly two parts. There is no escaping, so a key or
//! value holding `,` or `=` (or a literal `%%%%`) cannot be passed: [`encode`] refuses it,
//! naming the key, instead of writing something readers would split differently.

use crate::error::{Error, Result};

/// `cmdline.topologydefn.tmpdirectory`: where the program writes `<name>.defn`.
pub const TMP_DIRECTORY: &str = "cmdline.topologydefn.tmpdirectory";
/// `cmdline.topology.initial.state`: `RUNNING` or `PAUSED`.
pub const INITIAL_STATE: &str = "cmdline.topology.initial.state";
/// `cmdline.topology.role`.
pub const ROLE: &str = "cmdline.topology.role";
/// `cmdline.topology.environment`.
pub const ENVIRONMENT: &str = "cmdline.topology.environment";
/// `cmdline.topology.cluster`.
pub const CLUSTER: &str = "cmdline.topology.cluster";
/// `cmdline.topology.file_name`.
pub const FILE_NAME: &str = "cmdline.topology.file_name";
/// `cmdline.topology.class_name`.
pub const CLASS_NAME: &str = "cmdline.topology.class_name";
/// `cmdline.topology.submit_user`.
pub const SUBMIT_USER: &str = "cmdline.topology.submit_user";
/// `cmdline.topology.name`: set for a pex run with a class name (the first topology argument).
pub const TOPOLOGY_NAME: &str = "cmdline.topology.name";

const SPACE: &str = "%%%%";

/// Encodes pairs in order. Fails, naming the key, when a key is empty or a key or value holds
/// `,`, `=` or `%%%%`. Empty values are written (`k=`) as Heron's CLI does; Java readers skip
/// them and heronpy reads them as empty.
pub fn encode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<String> {
    let mut items = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        let (key, value) = (key.as_ref(), value.as_ref());
        if key.is_empty() {
            return Err(Error::BadInput(
                "HERON_OPTIONS: an option has an empty key".to_string(),
            ));
        }
        for (what, text) in [("key", key), ("value", value)] {
            if let Some(c) = text.chars().find(|c| *c == ',' || *c == '=') {
                return Err(Error::BadInput(format!(
                    "HERON_OPTIONS cannot carry the {what} of `{key}`: it contains {c:?}, which \
                     topology programs read as a separator (HERON_OPTIONS has no escaping)"
                )));
            }
            if text.contains(SPACE) {
                return Err(Error::BadInput(format!(
                    "HERON_OPTIONS cannot carry the {what} of `{key}`: it contains `{SPACE}`, \
                     which topology programs read as a space"
                )));
            }
            // `% ` would encode as `%%%%%`, which readers decode as ` %`: refuse it rather than
            // hand the program a different value (found by fuzz/heron_options).
            if text.contains("% ") {
                return Err(Error::BadInput(format!(
                    "HERON_OPTIONS cannot carry the {what} of `{key}`: it has `%` right before a \
                     space, which topology programs would read back in another order"
                )));
            }
        }
        items.push(format!("{key}={value}").replace(' ', SPACE));
    }
    Ok(items.join(","))
}

/// Decodes as Java's `Utils.readCommandLineOpts` does: `%%%%` → space, split on `,`, keep the
/// items that split on `=` into exactly two parts. Java's split drops trailing empty parts, so
/// `k=` (an empty value) is dropped, as are `k` and `k=a=b` (heronpy would keep `k=` as `""`).
pub fn decode(text: &str) -> Vec<(String, String)> {
    let text = text.replace(SPACE, " ");
    text.split(',')
        .filter_map(|item| {
            let mut parts: Vec<&str> = item.split('=').collect();
            while parts.last().is_some_and(|p| p.is_empty()) {
                parts.pop();
            }
            match parts.as_slice() {
                [k, v] => Some(((*k).to_string(), (*v).to_string())),
                _ => None,
            }
        })
        .collect()
}

/// The topology's initial state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialState {
    /// `RUNNING` (the default).
    Running,
    /// `PAUSED` (`--deploy-deactivated`).
    Paused,
}

impl InitialState {
    /// `RUNNING` or `PAUSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            InitialState::Running => "RUNNING",
            InitialState::Paused => "PAUSED",
        }
    }
}

/// The options Heron's CLI sets for `submit`, in Heron's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitOptions {
    /// The temporary folder the program writes `.defn` files into.
    pub tmp_directory: String,
    /// The initial state.
    pub initial_state: InitialState,
    /// The role.
    pub role: String,
    /// The environment.
    pub environment: String,
    /// The cluster.
    pub cluster: String,
    /// The topology file as given (jar, tar, pex...).
    pub file_name: String,
    /// The class name as given (`-` for a pex entry point).
    pub class_name: String,
    /// The submitting user.
    pub submit_user: String,
    /// For a pex with a class name: the first topology argument.
    pub topology_name: Option<String>,
}

impl SubmitOptions {
    /// The pairs, in Heron's order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            (TMP_DIRECTORY, self.tmp_directory.clone()),
            (INITIAL_STATE, self.initial_state.as_str().to_string()),
            (ROLE, self.role.clone()),
            (ENVIRONMENT, self.environment.clone()),
            (CLUSTER, self.cluster.clone()),
            (FILE_NAME, self.file_name.clone()),
            (CLASS_NAME, self.class_name.clone()),
            (SUBMIT_USER, self.submit_user.clone()),
        ];
        if let Some(name) = &self.topology_name {
            pairs.push((TOPOLOGY_NAME, name.clone()));
        }
        pairs
    }

    /// The `HERON_OPTIONS` value; fails naming the option that cannot be carried.
    pub fn encode(&self) -> Result<String> {
        encode(&self.pairs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_and_round_trip() {
        let pairs = [
            ("cmdline.topology.file_name", "/tmp/my topo.jar"),
            ("a", ""),
        ];
        let text = encode(&pairs).expect("encodes");
        assert_eq!(text, "cmdline.topology.file_name=/tmp/my%%%%topo.jar,a=");
        // Java's reader drops the empty value, as it does for Heron's own CLI.
        assert_eq!(
            decode(&text),
            vec![(
                "cmdline.topology.file_name".into(),
                "/tmp/my topo.jar".into()
            )]
        );
    }

    #[test]
    fn java_decoding_rules() {
        assert_eq!(decode(""), Vec::<(String, String)>::new());
        assert_eq!(
            decode("a=1,b,c=2=3,d=4"),
            vec![("a".into(), "1".into()), ("d".into(), "4".into())]
        );
        assert_eq!(
            decode("a=b=,=c"),
            vec![("a".into(), "b".into()), (String::new(), "c".into())]
        );
        assert_eq!(decode("x=a%%%%b"), vec![("x".into(), "a b".into())]);
    }

    #[test]
    fn a_percent_before_a_space_is_refused() {
        // `a% b` would travel as `a%%%%%b` and come back as `a %b`.
        let err = encode(&[("cmdline.topology.file_name", "/tmp/a% b.py")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cmdline.topology.file_name"), "{err}");
        for ok in ["a %b", "100%", "% ", " %"]
            .iter()
            .filter(|v| !v.contains("% "))
        {
            let text = encode(&[("k", *ok)]).expect("encodes");
            assert_eq!(decode(&text), vec![("k".into(), ok.to_string())]);
        }
    }

    #[test]
    fn separators_are_refused_by_key() {
        let err = encode(&[("ok", "1"), ("cmdline.topology.class_name", "a,b")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cmdline.topology.class_name") && err.contains("','"),
            "{err}"
        );
        let err = encode(&[("k", "a=b")]).unwrap_err().to_string();
        assert!(err.contains("`k`") && err.contains("'='"), "{err}");
        let err = encode(&[("k=x", "a")]).unwrap_err().to_string();
        assert!(err.contains("key"), "{err}");
        assert!(encode(&[("k", "50%%%%")]).is_err());
        assert!(encode(&[("", "v")]).is_err());
    }
}
