//! `heron explorer packing-plan CLUSTER[/ROLE[/ENV]] TOPOLOGY`: the packing plan in the state
//! manager, printed by the dry run's renderers (`heron_common::packing::render_submit`), so it
//! reads exactly like `heron submit --dry-run` of the same plan.

use heron_common::packing::{self, DryRunFormat};

use super::context::Explorer;
use super::snapshot;
use crate::cli::args::explorer::{ExplorerOptions, PackingPlanCmd};
use crate::cli::args::{DryRunFormatArg, Format};

/// `--dry-run-format` when given; else JSON with `--format json`, else `colored_table` when
/// colour is wanted and `table` otherwise.
pub fn format_of(arg: Option<DryRunFormatArg>, format: Format, colour: bool) -> DryRunFormat {
    match (arg, format) {
        (Some(a), _) => DryRunFormatArg::resolve(Some(a)),
        (None, Format::Json) => DryRunFormat::Json,
        (None, Format::Text) if colour => DryRunFormat::ColoredTable,
        (None, Format::Text) => DryRunFormat::Table,
    }
}

/// Runs the view.
pub fn run(options: &ExplorerOptions, cmd: &PackingPlanCmd) -> anyhow::Result<()> {
    let name = &cmd.target.topology;
    let ex = Explorer::setup(options, &cmd.target.cre, Some(name))?;
    let s = snapshot::read_one(&ex, name, &["packingplans"])?;
    let Some(plan) = &s.packing_plan else {
        return Err(snapshot::missing_node(name, "packingplans", "packing plan"));
    };
    let packing_class = crate::commands::report::packing_class(
        &ex.config,
        heron_common::config::keys::PACKING_CLASS,
    );
    let format = format_of(cmd.dry_run_format, ex.format, ex.colour);
    let text = packing::render_submit(format, plan, name, &packing_class);
    super::table::emit(false, &(), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_flags_then_the_terminal() {
        assert_eq!(format_of(None, Format::Json, true), DryRunFormat::Json);
        assert_eq!(
            format_of(None, Format::Text, true),
            DryRunFormat::ColoredTable
        );
        assert_eq!(format_of(None, Format::Text, false), DryRunFormat::Table);
        assert_eq!(
            format_of(Some(DryRunFormatArg::Raw), Format::Json, true),
            DryRunFormat::Raw
        );
    }
}
