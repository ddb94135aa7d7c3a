//! What `heron submit --dry-run` prints on stdout: the packing plan in the `--dry-run-format`
//! asked for, then the rendered Aurora job.
//!
//! When JSON is asked for, stdout is exactly one JSON document, so `| jq` works:
//! - `--format json`: our document (`command`, `packing_plan`, `bindings`, `job`, ...);
//! - `--dry-run-format json`: Heron's packing-plan document, byte for byte as Heron lays it out,
//!   with the Aurora job added as one more field, `auroraJob` (`jobKey`, `template`, `text`).
//!   Heron prints only the plan; a reader of Heron's fields finds them unchanged.
//!
//! The text formats (`raw`, `table`, `colored_table`) are for people: the plan, then the job
//! after a `# Aurora job ...` header.
//!
//! A dry run defines and packs the topology, and renders the job for a package at its place in
//! the temp folder; it uploads nothing, writes no state and contacts no service.

use std::collections::BTreeMap;
use std::path::Path;

use heron_common::packing;
use heron_common::proto::system::PackingPlan;
use serde_json::json;

use anyhow::Context as _;

use super::error::stage_failure;
use super::pack::Job;
use crate::cli::args::{DryRunFormatArg, Format, SubmitCmd};
use crate::cli::context::Ctx;
use crate::commands::report::containers_phrase;
use crate::stages::render::Render;

/// `heron submit --dry-run`, after step 2: renders the job and prints the plan and the job.
pub fn print(ctx: &Ctx, cmd: &SubmitCmd, job: &Job) -> anyhow::Result<()> {
    let uri = format!("file://{}", job.package_path.display());
    let bindings = job.bindings(ctx, &uri);
    Render::new(&ctx.runner)
        .render(job.template.as_deref(), &bindings, &job.job_file)
        .map_err(stage_failure)?;
    let text = std::fs::read_to_string(&job.job_file)
        .with_context(|| format!("cannot read {}", job.job_file.display()))?;
    let dry_run = SubmitDryRun {
        name: &job.name,
        job_key: &job.job_key,
        template: job.template.as_deref(),
        job: &text,
        plan: &job.plan,
        packing_class: &job.packing_class,
        bindings: &bindings,
    };
    print!("{}", dry_run.output(ctx.format, cmd.dry_run_format)?);
    Ok(())
}

/// A rendered dry run of a submit.
#[derive(Debug)]
pub struct SubmitDryRun<'a> {
    /// The topology.
    pub name: &'a str,
    /// `cluster/role/env/name`.
    pub job_key: &'a str,
    /// The job template, `None` for the render stage's built-in one.
    pub template: Option<&'a Path>,
    /// The rendered job file.
    pub job: &'a str,
    /// The packing plan.
    pub plan: &'a PackingPlan,
    /// The packing class's name.
    pub packing_class: &'a str,
    /// The Aurora bindings.
    pub bindings: &'a BTreeMap<String, String>,
}

/// `cluster/role/env/name`'s `auroraJob` field of the `--dry-run-format json` document.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct AuroraJobField<'a> {
    job_key: &'a str,
    template: String,
    text: &'a str,
}

impl SubmitDryRun<'_> {
    fn template_name(&self) -> String {
        self.template
            .map_or_else(|| "built-in".to_string(), |t| t.display().to_string())
    }

    /// Everything the dry run prints on stdout.
    pub fn output(
        &self,
        format: Format,
        dry_run_format: Option<DryRunFormatArg>,
    ) -> anyhow::Result<String> {
        let plan_format = DryRunFormatArg::resolve(dry_run_format);
        let containers = self.plan.container_plans.len();
        if format == Format::Json {
            let plan_json: serde_json::Value = serde_json::from_str(&packing::render_json(
                self.plan,
                self.name,
                self.packing_class,
            ))?;
            let doc = json!({
                "command": "submit", "dry_run": true, "topology": self.name, "job_key": self.job_key,
                "containers": containers, "aurora_instances": containers + 1,
                "packing_plan": plan_json, "bindings": self.bindings, "job": self.job,
            });
            return Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?));
        }
        if plan_format == packing::DryRunFormat::Json {
            let plan = packing::render_json(self.plan, self.name, self.packing_class);
            let job = serde_json::to_string(&AuroraJobField {
                job_key: self.job_key,
                template: self.template_name(),
                text: self.job,
            })?;
            return Ok(with_field(&plan, "auroraJob", &job));
        }
        Ok(format!(
            "{}\n# Aurora job {} (template {})\n# {}\n{}",
            packing::render_submit(plan_format, self.plan, self.name, self.packing_class),
            self.job_key,
            self.template_name(),
            containers_phrase(containers),
            self.job
        ))
    }
}

/// `object` (one JSON object, as the packing renderer writes it) with one more field at its end;
/// the fields before keep their order and layout.
fn with_field(object: &str, name: &str, value: &str) -> String {
    let body = object.trim_end();
    let body = body.strip_suffix('}').unwrap_or(body);
    let sep = if body.trim_end().ends_with('{') {
        ""
    } else {
        ","
    };
    format!("{body}{sep}\"{name}\":{value}}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_common::packing::PackingDefaults;
    use heron_common::topology::TopologyBuilder;

    fn plan() -> PackingPlan {
        let topology = TopologyBuilder::new("wc")
            .spout("word", 2)
            .bolt("count", 2)
            .config("topology.stmgrs", "2")
            .build();
        packing::pack(&topology, &PackingDefaults::default())
            .expect("packs")
            .plan
    }

    fn dry_run<'a>(
        plan: &'a PackingPlan,
        bindings: &'a BTreeMap<String, String>,
    ) -> SubmitDryRun<'a> {
        SubmitDryRun {
            name: "wc",
            job_key: "c/r/e/wc",
            template: None,
            job: "jobs = [\n  \"--topology-name=wc\"\n]\n",
            plan,
            packing_class: "org.apache.heron.packing.roundrobin.RoundRobinPacking",
            bindings,
        }
    }

    #[test]
    fn dry_run_format_json_is_one_document_with_herons_fields_first() {
        let plan = plan();
        let bindings = BTreeMap::from([("NUM_CONTAINERS".to_string(), "3".to_string())]);
        let out = dry_run(&plan, &bindings)
            .output(Format::Text, Some(DryRunFormatArg::Json))
            .expect("renders");
        let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
        assert_eq!(doc["auroraJob"]["jobKey"], "c/r/e/wc");
        assert_eq!(doc["auroraJob"]["template"], "built-in");
        assert_eq!(
            doc["auroraJob"]["text"],
            "jobs = [\n  \"--topology-name=wc\"\n]\n"
        );
        assert_eq!(doc["containers"].as_array().map(Vec::len), Some(2));
        let heron = packing::render_json(
            &plan,
            "wc",
            "org.apache.heron.packing.roundrobin.RoundRobinPacking",
        );
        assert!(
            out.starts_with(heron.trim_end().trim_end_matches('}')),
            "Heron's fields keep their layout: {out}"
        );
        assert!(out.ends_with("}\n"));
    }

    #[test]
    fn json_format_wins_and_text_formats_say_the_container_count() {
        let plan = plan();
        let bindings = BTreeMap::new();
        let d = dry_run(&plan, &bindings);
        let out = d
            .output(Format::Json, Some(DryRunFormatArg::Table))
            .expect("renders");
        let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
        assert_eq!(
            (doc["containers"].as_u64(), doc["aurora_instances"].as_u64()),
            (Some(2), Some(3))
        );
        let out = d
            .output(Format::Text, Some(DryRunFormatArg::Table))
            .expect("renders");
        assert!(out.contains("Total number of containers: 2"), "{out}");
        assert!(
            out.contains("# Aurora job c/r/e/wc (template built-in)\n# 2 containers (3 Aurora instances with the tmanager's)\njobs = ["),
            "{out}"
        );
    }

    #[test]
    fn a_field_is_added_to_an_object() {
        assert_eq!(with_field("{\"a\":1}\n", "b", "2"), "{\"a\":1,\"b\":2}\n");
        assert_eq!(with_field("{}", "b", "2"), "{\"b\":2}\n");
    }
}
