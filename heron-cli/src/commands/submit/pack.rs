//! Step 2, pack: the packing plan of the topology (round robin, in process), and the [`Job`]
//! that runs it: what the package ships, the Aurora resources, the template, the file names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use heron_common::config::Config;
use heron_common::packing::{self, AuroraResources, PackingDefaults};
use heron_common::proto::api::Topology;
use heron_common::proto::system::PackingPlan;
use heron_common::topology as topo;

use super::bindings::{self, BindingInputs};
use super::error::local_failure;
use super::executor_flags::ExecutorInputs;
use crate::cli::args::SubmitCmd;
use crate::cli::context::Ctx;
use crate::topology::{self, Definition};

/// The packed topology and the Aurora job that will run it.
#[derive(Debug)]
pub struct Job {
    /// The topology's name.
    pub name: String,
    /// `cluster/role/env/name`.
    pub job_key: String,
    /// The local config with the topology's name (for `${TOPOLOGY}`).
    pub config: Config,
    /// The same in cluster mode: where the bindings' values come from.
    pub cluster_config: Config,
    /// The topology, with `topology.stmgrs` set to the plan's container count.
    pub topology: Topology,
    /// The packing plan.
    pub plan: PackingPlan,
    /// The plan as Aurora runs it: every container with the largest one's resources.
    pub homogeneous: PackingPlan,
    /// `NUM_CONTAINERS` and the resources of each.
    pub resources: AuroraResources,
    /// The packing class's name (for the dry run).
    pub packing_class: String,
    /// The file the package ships: the topology file, or the pex built from a `.py`.
    pub shipped: PathBuf,
    /// Its name in the package.
    pub file_name: String,
    /// `<name>.defn`.
    pub defn_name: String,
    /// The executor's `--pkg-type`.
    pub pkg_type: &'static str,
    /// The executor's `--component-ram-map`.
    pub ram_map: String,
    /// `--verbose_gc`.
    pub verbose_gc: bool,
    /// The job template, `None` for the render stage's built-in one.
    pub template: Option<PathBuf>,
    /// `topology.tar.gz` in the temp folder.
    pub package_path: PathBuf,
    /// `<name>.aurora` in the temp folder: the rendered job.
    pub job_file: PathBuf,
}

/// Step 2: packs the topology with the config reloaded for its name. A plan with another
/// container count than `topology.stmgrs` wins, with a warning (as Heron).
pub fn pack(ctx: &Ctx, cmd: &SubmitCmd, definition: &Definition) -> anyhow::Result<Job> {
    let name = definition.topology.name.clone();
    let config = ctx.local_config(&name)?;
    let cluster_config = ctx.cluster_config(&name)?;
    crate::cli::phase(ctx.verbose, "config reloaded for the topology");

    let defaults = PackingDefaults::from_config(&config)?;
    let packed = packing::pack(&definition.topology, &defaults)
        .map_err(|e| local_failure("pack", e.into()))?;
    for w in &packed.warnings {
        eprintln!("warning: {w}");
    }
    let mut topology = definition.topology.clone();
    let stmgrs = topo::num_stmgrs(&topology)?;
    let containers = packed.plan.container_plans.len();
    if usize::try_from(stmgrs).ok() != Some(containers) {
        eprintln!(
            "warning: topology.stmgrs is {stmgrs} but the packing plan has {containers} containers; using {containers}"
        );
        topology = topo::with_stmgrs(&topology, u32::try_from(containers).unwrap_or(u32::MAX));
    }
    let plan = packed.plan;
    let homogeneous = packing::homogeneous(&plan);
    let resources = packing::aurora_resources(&homogeneous, &topology)?;
    let packing_class =
        crate::commands::report::packing_class(&config, heron_common::config::keys::PACKING_CLASS);

    let shipped = definition
        .package_file
        .clone()
        .unwrap_or_else(|| cmd.topology_file.clone());
    let file_name = shipped
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .context("the topology file has no file name")?;
    // A YAML topology holds Java components only (yaml refuses Python ones).
    let pkg_type = if topology::Kind::of(&cmd.topology_file)? == topology::Kind::Yaml {
        "jar"
    } else {
        bindings::pkg_type(&file_name)
    };
    let job = Job {
        job_key: ctx.spec.job_key(&name),
        template: bindings::chosen_template(&config, &ctx.conf_dir),
        package_path: ctx.tmp.path().join("topology.tar.gz"),
        job_file: ctx.tmp.path().join(format!("{name}.aurora")),
        defn_name: format!("{name}.defn"),
        ram_map: packing::component_ram_distribution(&plan),
        verbose_gc: cmd.verbose_gc,
        name,
        config,
        cluster_config,
        topology,
        plan,
        homogeneous,
        resources,
        packing_class,
        shipped,
        file_name,
        pkg_type,
    };
    crate::cli::phase(ctx.verbose, "packed");
    Ok(job)
}

impl Job {
    /// The Aurora bindings of the job whose package is at `package_uri`.
    pub fn bindings(&self, ctx: &Ctx, package_uri: &str) -> BTreeMap<String, String> {
        bindings::bindings(
            &self.cluster_config,
            &self.topology,
            &BindingInputs {
                executor: ExecutorInputs {
                    cluster: &ctx.spec.cluster,
                    role: &ctx.spec.role,
                    environ: &ctx.spec.environ,
                    defn_file: &self.defn_name,
                    binary_file: &self.file_name,
                    pkg_type: self.pkg_type,
                    component_ram_map: &self.ram_map,
                    verbose_gc: self.verbose_gc,
                },
                package_uri,
                resources: &self.resources,
            },
        )
    }
}
