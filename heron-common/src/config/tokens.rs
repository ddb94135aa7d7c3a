//! `${...}` token substitution as Heron's `TokenSub` does it (heron-aurora.md §3.9).
//!
//! One pass of [`substitute`]:
//! 1. trim the text;
//! 2. if it looks like a URL (`scheme://rest`), keep `scheme://` and substitute `rest`;
//! 3. split on `/` and replace each **whole** component: `${HOME}` and `~` by the user's home,
//!    `${JAVA_HOME}` by the `JAVA_HOME` environment variable (when set), `${NAME}` (upper case
//!    and `_` only) by the value of the config key Heron's `Key.NAME` names (see
//!    [`keys::token_key`](super::keys::token_key); `${TOPOLOGY}` is `${TOPOLOGY_NAME}`).
//!    Unknown names and names without a value stay as they are, as do tokens inside a component
//!    (`foo-${CLUSTER}`);
//! 4. join the components as `java.io.File` does: repeated `/` collapse and a trailing `/` is
//!    dropped.
//!
//! [`Config::expanded`](super::Config::expanded) repeats passes over every string value until
//! the number of values still holding `${` stops changing, so `${HERON_BIN}` becomes
//! `${HERON_HOME}/bin` and then `/home/me/.heron/bin`.

use std::collections::BTreeMap;

/// What tokens expand to, besides the config's own keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenContext {
    /// The user's home, for `${HOME}` and `~` (Java's `user.home`).
    pub user_home: Option<String>,
    /// The `JAVA_HOME` environment variable, for `${JAVA_HOME}`.
    pub java_home: Option<String>,
    /// `NAME` → value for `${NAME}` tokens (for example `CLUSTER` → `aurora`).
    pub values: BTreeMap<String, String>,
}

impl TokenContext {
    /// An empty context: only tokens given with [`with_token`](Self::with_token) expand.
    pub fn new() -> TokenContext {
        TokenContext::default()
    }

    /// `HOME` and `JAVA_HOME` from this process's environment.
    pub fn from_env() -> TokenContext {
        TokenContext {
            user_home: std::env::var(crate::env::HOME)
                .ok()
                .filter(|h| !h.is_empty()),
            java_home: std::env::var(crate::env::JAVA_HOME).ok(),
            values: BTreeMap::new(),
        }
    }

    /// Sets the user's home.
    pub fn with_home(mut self, home: impl Into<String>) -> TokenContext {
        self.user_home = Some(home.into());
        self
    }

    /// Sets `JAVA_HOME`.
    pub fn with_java_home(mut self, java_home: impl Into<String>) -> TokenContext {
        self.java_home = Some(java_home.into());
        self
    }

    /// Sets the value of `${name}` (`name` without `${}`, for example `CLUSTER`).
    pub fn with_token(mut self, name: impl Into<String>, value: impl Into<String>) -> TokenContext {
        self.values.insert(name.into(), value.into());
        self
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        let name = if name == "TOPOLOGY" {
            "TOPOLOGY_NAME"
        } else {
            name
        };
        self.values.get(name).map(String::as_str)
    }
}

/// One substitution pass over `text` (see the module docs).
pub fn substitute(text: &str, ctx: &TokenContext) -> String {
    let trimmed = text.trim();
    if let Some((scheme, rest)) = split_url(trimmed) {
        return format!("{scheme}://{}", substitute(rest, ctx));
    }
    let components: Vec<String> = java_split(trimmed)
        .into_iter()
        .map(|c| replace_component(c, ctx))
        .collect();
    join_like_java_file(&components)
}

/// `(.+)://(.+)` matched greedily as Java does: the last `://` with text on both sides.
/// Java's `.` does not match line breaks, so text with one is never a URL.
fn split_url(text: &str) -> Option<(&str, &str)> {
    if text.contains(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        return None;
    }
    let mut best = None;
    for (i, _) in text.match_indices("://") {
        if i > 0 && i + 3 < text.len() {
            best = Some((&text[..i], &text[i + 3..]));
        }
    }
    best
}

/// `String.split("/")`: trailing empty parts are dropped.
fn java_split(text: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = text.split('/').collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    if parts.len() == 1 && parts[0].is_empty() && !text.is_empty() {
        // Text made only of `/`: Java's split gives no parts at all (and Heron then fails);
        // keep the root.
        parts.clear();
    }
    parts
}

fn replace_component(component: &str, ctx: &TokenContext) -> String {
    if component == "${HOME}" || component == "~" {
        return ctx
            .user_home
            .clone()
            .unwrap_or_else(|| component.to_string());
    }
    if component == "${JAVA_HOME}" {
        return ctx
            .java_home
            .clone()
            .unwrap_or_else(|| component.to_string());
    }
    if let Some(name) = token_name(component)
        && let Some(value) = ctx.lookup(name)
    {
        return value.to_string();
    }
    component.to_string()
}

/// `NAME` when `component` is exactly `${NAME}` with `NAME` of `A-Z` and `_`.
pub fn token_name(component: &str) -> Option<&str> {
    let name = component.strip_prefix("${")?.strip_suffix('}')?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')).then_some(name)
}

/// `java.io.File` normalisation of one path string: no repeated `/`, no trailing `/`.
fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut previous_slash = false;
    for c in path.chars() {
        if c == '/' {
            if !previous_slash {
                out.push('/');
            }
            previous_slash = true;
        } else {
            out.push(c);
            previous_slash = false;
        }
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// `new File(new File(new File(c0), c1), c2)...getPath()` on Unix.
fn join_like_java_file(components: &[String]) -> String {
    let Some(first) = components.first() else {
        return "/".to_string();
    };
    let mut path = normalize(first);
    for component in &components[1..] {
        let child = normalize(component);
        // A parent with an empty path resolves against `/`.
        let parent = if path.is_empty() {
            "/".to_string()
        } else {
            path
        };
        path = if child.is_empty() {
            parent
        } else if child.starts_with('/') {
            if parent == "/" {
                child
            } else {
                format!("{parent}{child}")
            }
        } else if parent == "/" {
            format!("/{child}")
        } else {
            format!("{parent}/{child}")
        };
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TokenContext {
        TokenContext::new()
            .with_home("/home/me")
            .with_java_home("/opt/jdk/")
            .with_token("CLUSTER", "aurora")
            .with_token("ROLE", "www")
            .with_token("TOPOLOGY_NAME", "wc")
            .with_token("HERON_HOME", "/home/me/.heron")
            .with_token("HERON_BIN", "${HERON_HOME}/bin")
    }

    #[test]
    fn whole_components_only() {
        let c = ctx();
        assert_eq!(
            substitute("${HOME}/x/${CLUSTER}/${ROLE}/${TOPOLOGY}", &c),
            "/home/me/x/aurora/www/wc"
        );
        assert_eq!(
            substitute("/data/foo-${CLUSTER}", &c),
            "/data/foo-${CLUSTER}"
        );
        assert_eq!(substitute("~/.herondata", &c), "/home/me/.herondata");
        assert_eq!(substitute("a~/b", &c), "a~/b");
        assert_eq!(substitute("${UNKNOWN}/x", &c), "${UNKNOWN}/x");
        assert_eq!(substitute("${ENVIRON}/x", &c), "${ENVIRON}/x");
        assert_eq!(substitute("${cluster}", &c), "${cluster}");
        // One pass only: a substituted token is expanded by the next pass.
        assert_eq!(
            substitute("${HERON_BIN}/heron-executor", &c),
            "${HERON_HOME}/bin/heron-executor"
        );
    }

    #[test]
    fn java_home_and_missing_home() {
        assert_eq!(
            substitute("${JAVA_HOME}/bin/java", &ctx()),
            "/opt/jdk/bin/java"
        );
        let bare = TokenContext::new();
        assert_eq!(substitute("${JAVA_HOME}/bin", &bare), "${JAVA_HOME}/bin");
        assert_eq!(substitute("${HOME}/x", &bare), "${HOME}/x");
    }

    #[test]
    fn urls_keep_their_scheme() {
        let c = ctx();
        assert_eq!(substitute("file://${HOME}/x", &c), "file:///home/me/x");
        assert_eq!(
            substitute("file:///vagrant/a.tar.gz", &c),
            "file:///vagrant/a.tar.gz"
        );
        assert_eq!(
            substitute("hdfs:///heron/topology/", &c),
            "hdfs:///heron/topology"
        );
        assert_eq!(
            substitute("http://host:8080/${CLUSTER}", &c),
            "http://host:8080/aurora"
        );
        assert_eq!(substitute("s3://", &c), "s3:");
    }

    #[test]
    fn joins_like_java_file() {
        let c = ctx();
        assert_eq!(
            substitute("  /usr/lib/jvm/java-8/  ", &c),
            "/usr/lib/jvm/java-8"
        );
        assert_eq!(substitute("/a//b///c", &c), "/a/b/c");
        assert_eq!(substitute("//a", &c), "/a");
        assert_eq!(substitute("./heron-core/bin", &c), "./heron-core/bin");
        assert_eq!(substitute("relative/path", &c), "relative/path");
        assert_eq!(substitute("/", &c), "/");
        assert_eq!(substitute("", &c), "");
        assert_eq!(substitute("127.0.0.1:2181", &c), "127.0.0.1:2181");
        assert_eq!(substitute("${JAVA_HOME}", &c), "/opt/jdk");
        assert_eq!(substitute("org.apache.heron.X", &c), "org.apache.heron.X");
    }
}
