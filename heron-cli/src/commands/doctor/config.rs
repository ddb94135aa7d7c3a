//! The checks of the config itself: that it loads, that its classes are ones this heron
//! implements, and the sandbox's Java home.

use heron_common::ExitCode;
use heron_common::config::classes::{
    LauncherKind, PackingKind, SchedulerKind, StateManagerKind, UploaderKind,
};
use heron_common::config::{Config, keys};

use super::Check;
use crate::cli::context::Ctx;
use crate::cli::embedded;

pub(super) fn config_check(ctx: &Ctx) -> Check {
    let source = match ctx.config_source {
        embedded::Source::Given => "from --config-path",
        embedded::Source::UserHome => "from ~/.heron/conf",
        embedded::Source::BuiltIn => "the built-in `local` cluster",
    };
    Check::ok(
        "config",
        format!(
            "{} ({source}) loads as {}/{}/{}",
            ctx.conf_dir.display(),
            ctx.spec.cluster,
            ctx.spec.role,
            ctx.spec.environ
        ),
    )
}

/// Every class key names a backend this tool implements.
pub fn classes_check(config: &Config) -> Check {
    let found = (|| -> heron_common::error::Result<String> {
        Ok(format!(
            "scheduler {}, launcher {}, state manager {}, uploader {}, packing {}",
            SchedulerKind::from_config(config)?,
            LauncherKind::from_config(config)?,
            StateManagerKind::from_config(config)?,
            UploaderKind::from_config(config)?,
            PackingKind::from_config(config)?,
        ))
    })();
    match found {
        Ok(text) => Check::ok("classes", text),
        Err(e) => Check::fail(
            "classes",
            e.exit_code(),
            e.to_string(),
            "set the class keys to ones this heron implements (docs/config-keys.md)",
        ),
    }
}

/// What the sandbox uses when `heron.directory.sandbox.java.home` is not set.
const DEFAULT_SANDBOX_JAVA_HOME: &str = "/usr/lib/jvm/default-java";

/// `heron.directory.sandbox.java.home` is set.
pub fn java_home_check(config: &Config) -> Check {
    const ID: &str = "java-home";
    match config.get_str(keys::SANDBOX_JAVA_HOME) {
        Ok(Some(v)) if !v.trim().is_empty() => Check::ok(
            ID,
            format!(
                "{} is {v}{} (not checked on the Mesos agents)",
                keys::SANDBOX_JAVA_HOME,
                config
                    .origin(keys::SANDBOX_JAVA_HOME)
                    .map(|p| format!(" in {}", p.display()))
                    .unwrap_or_default()
            ),
        ),
        _ => Check::fail(
            ID,
            ExitCode::BadInput,
            format!(
                "{} is not set (the executor would use {DEFAULT_SANDBOX_JAVA_HOME})",
                keys::SANDBOX_JAVA_HOME
            ),
            "set it in scheduler.yaml to the JAVA_HOME on the Aurora agents",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::doctor::Status;

    #[test]
    fn an_unset_java_home_fails() {
        let c = java_home_check(&Config::new());
        assert_eq!(c.status, Status::Fail(ExitCode::BadInput));
    }
}
