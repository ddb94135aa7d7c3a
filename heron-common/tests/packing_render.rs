//! Dry-run renderings of a plan (`heron submit --dry-run`) and of an update (`heron update
//! --dry-run`) in the four `--dry-run-format`s.

mod common;

use common::*;
use heron_common::packing::{
    self, ContainerChange, DryRunFormat, PackingDefaults, diff_plans, render_json, render_raw,
    render_submit, render_table, render_update, render_update_json, render_update_raw,
    render_update_table,
};
use heron_common::proto::api::Topology;
use heron_common::proto::system::PackingPlan;
use heron_common::topology::{TopologyBuilder, keys};

const RR: &str = "org.apache.heron.packing.roundrobin.RoundRobinPacking";

fn topology() -> Topology {
    TopologyBuilder::new("WordCount")
        .id("WordCount-1")
        .spout("spout", 2)
        .bolt("bolt", 2)
        .config(keys::STMGRS, "2")
        .build()
}

/// The plan as stored at submit.
fn stored() -> PackingPlan {
    common::stored(&topology())
}

#[test]
fn submit_table() {
    let expected = "\
Total number of containers: 2
Using packing class: org.apache.heron.packing.roundrobin.RoundRobinPacking
Container 1
CPU: 3.0, RAM: 4096 MB, Disk: 14336 MB
====================================================
| component | task ID | CPU | RAM (MB) | disk (MB) |
----------------------------------------------------
|     spout |       1 | 1.0 |     1024 |      1024 |
|      bolt |       3 | 1.0 |     1024 |      1024 |
====================================================

Container 2
CPU: 3.0, RAM: 4096 MB, Disk: 14336 MB
====================================================
| component | task ID | CPU | RAM (MB) | disk (MB) |
----------------------------------------------------
|     spout |       2 | 1.0 |     1024 |      1024 |
|      bolt |       4 | 1.0 |     1024 |      1024 |
====================================================
";
    assert_eq!(render_table(&stored(), RR, false), expected);
    assert_eq!(
        render_submit(DryRunFormat::Table, &stored(), "WordCount", RR),
        expected
    );
}

#[test]
fn table_columns_widen_for_long_names() {
    let t = TopologyBuilder::new("t")
        .spout("a-very-long-spout-name", 1)
        .build();
    let plan = packing::pack(&t, &PackingDefaults::default()).unwrap().plan;
    let text = render_table(&plan, RR, false);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[5],
        "|              component | task ID | CPU | RAM (MB) | disk (MB) |"
    );
    assert_eq!(
        lines[7],
        "| a-very-long-spout-name |       1 | 1.0 |     1024 |      1024 |"
    );
    assert_eq!(lines[4], "=".repeat(lines[5].len()));
    assert_eq!(lines[6], "-".repeat(lines[5].len()));
}

#[test]
fn colored_table_styles_headers() {
    let text = render_submit(DryRunFormat::ColoredTable, &stored(), "WordCount", RR);
    assert!(text.contains("\u{1b}[1mContainer 1\u{1b}[0m\n"), "{text}");
    assert!(text.contains("| \u{1b}[1mcomponent\u{1b}[0m | "), "{text}");
    // Plain cells stay plain.
    assert!(
        text.contains("|     spout |       1 | 1.0 |     1024 |      1024 |"),
        "{text}"
    );
    assert!(!render_table(&stored(), RR, false).contains('\u{1b}'));
}

#[test]
fn submit_json() {
    let text = render_json(&stored(), "WordCount", RR);
    assert!(text.ends_with("}\n"));
    assert!(text.starts_with(r#"{"packingClass":"org.apache.heron.packing.roundrobin.RoundRobinPacking","topology":"WordCount","containers":["#));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let containers = doc["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 2);
    assert_eq!(containers[0]["id"], 1);
    assert_eq!(
        containers[0]["resources"],
        serde_json::json!({"cpu": 3.0, "ram": 4294967296i64, "disk": 15032385536i64})
    );
    assert_eq!(
        containers[0]["components"][1],
        serde_json::json!({"component": "bolt", "id": 3, "index": 0,
            "resources": {"cpu": 1.0, "ram": 1073741824, "disk": 1073741824}})
    );
    assert_eq!(
        render_submit(DryRunFormat::Json, &stored(), "WordCount", RR),
        text
    );
}

#[test]
fn submit_raw() {
    let text = render_raw(&stored(), "WordCount", RR);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("Packing class: {RR}"));
    assert_eq!(lines[1], "Topology: WordCount");
    assert_eq!(lines[2], "Packing plan:");
    assert!(lines[3].starts_with(
        "{plan-id: WordCount-1, containers-list: [{container-id: 1, instances-list: [{component-name: spout, \
         task-id: 1, component-index: 0, instance-resource: {cpu: 1.000000, ram: ByteAmount{1.0 GB (1073741824 \
         bytes)}, disk: ByteAmount{1.0 GB (1073741824 bytes)}}}, "
    ));
    assert!(lines[3].contains(
        "required-resource: {cpu: 3.000000, ram: ByteAmount{4.0 GB (4294967296 bytes)}, disk: ByteAmount{14.0 GB \
         (15032385536 bytes)}}, scheduled-resource: {cpu: 3.000000, "
    ));
    assert_eq!(lines.len(), 4);
    assert_eq!(
        render_submit(DryRunFormat::Raw, &stored(), "WordCount", RR),
        text
    );
}

#[test]
fn update_adding_a_container() {
    let old = stored();
    let new = repacked(&old, &topology(), &[("spout", 1), ("bolt", 1)]);
    let changes: Vec<(i32, ContainerChange)> = diff_plans(&old, &new)
        .iter()
        .map(|d| (d.id, d.change))
        .collect();
    assert_eq!(
        changes,
        [
            (1, ContainerChange::Modified),
            (2, ContainerChange::Modified),
            (3, ContainerChange::New)
        ]
    );
    let text = render_update_table(&old, &new, RR, false);
    let expected_container_1 = "\
Container 1 MODIFIED
CPU: 3.0, RAM: 4096 MB, Disk: 14336 MB
====================================================
| component | task ID | CPU | RAM (MB) | disk (MB) |
----------------------------------------------------
|     spout |       1 | 1.0 |     1024 |      1024 |
|      bolt |       4 | 1.0 |     1024 |      1024 |
|      bolt |       3 | 1.0 |     1024 |      1024 |
====================================================
";
    assert!(
        text.starts_with(&format!(
            "Total number of containers: 3\nUsing repacking class: {RR}\n{expected_container_1}\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("\nContainer 3 NEW\nCPU: 3.0, RAM: 4096 MB, Disk: 14336 MB\n"),
        "{text}"
    );

    // In colour: the new bolt is green, the one leaving is red and struck through.
    let colored = render_update(DryRunFormat::ColoredTable, &old, &new, "WordCount", RR);
    assert!(
        colored.contains("| \u{1b}[32m     bolt\u{1b}[0m | \u{1b}[32m      4\u{1b}[0m |"),
        "{colored}"
    );
    assert!(colored.contains("\u{1b}[31m \u{336} \u{336} \u{336} \u{336} \u{336}b\u{336}o\u{336}l\u{336}t\u{336}\u{1b}[0m"), "{colored}");
    assert!(colored.contains("\u{1b}[32mNEW\u{1b}[0m"), "{colored}");
}

#[test]
fn update_removing_a_container_shows_percent_changes() {
    let old = stored();
    let new = repacked_into(&old, &topology(), 1, &[]);
    let text = render_update_table(&old, &new, RR, false);
    // One container of 4 instances: CPU round(4 + 1) = 5, RAM 4 + 2 GiB, disk 4 + 12 GiB.
    assert!(
        text.contains("Container 1 MODIFIED\nCPU: 5.0 (+66.67%), RAM: 6144 MB (+50.00%), Disk: 16384 MB (+14.29%)\n"),
        "{text}"
    );
    assert!(
        text.contains("Container 2 REMOVED\nCPU: 3.0, RAM: 4096 MB, Disk: 14336 MB\n"),
        "{text}"
    );
    assert!(
        text.starts_with("Total number of containers: 1\n"),
        "{text}"
    );

    // Shrinking shows negative changes.
    let back = render_update_table(&new, &old, RR, false);
    assert!(
        back.contains("CPU: 3.0 (-40.00%), RAM: 4096 MB (-33.33%), Disk: 14336 MB (-12.50%)"),
        "{back}"
    );
    assert!(back.contains("Container 2 NEW"), "{back}");
}

#[test]
fn update_without_changes_is_unaffected() {
    // The stored plan has scheduled resources and a repack does not: that alone is no change.
    let old = stored();
    let new = repacked_into(&old, &topology(), 2, &[]);
    assert!(
        diff_plans(&old, &new)
            .iter()
            .all(|d| d.change == ContainerChange::Unaffected)
    );
    let text = render_update_table(&old, &new, RR, false);
    assert!(
        text.contains("Container 1 UNAFFECTED\nCPU: 3.0, RAM: 4096 MB, Disk: 14336 MB\n"),
        "{text}"
    );
}

#[test]
fn update_json_is_one_document() {
    let old = stored();
    let new = repacked(&old, &topology(), &[("spout", 1), ("bolt", 1)]);
    let text = render_update_json(&old, &new, "WordCount", RR);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["topology"], "WordCount");
    assert_eq!(doc["repackingClass"], RR);
    assert_eq!(
        doc["newPackingPlan"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        doc["oldPackingPlan"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        doc["containerChanges"],
        serde_json::json!([{"id": 1, "change": "MODIFIED"}, {"id": 2, "change": "MODIFIED"}, {"id": 3, "change": "NEW"}])
    );
    assert_eq!(
        render_update(DryRunFormat::Json, &old, &new, "WordCount", RR),
        text
    );
}

#[test]
fn update_raw_lists_new_then_old() {
    let old = stored();
    let new = repacked(&old, &topology(), &[("spout", 1), ("bolt", 1)]);
    let text = render_update_raw(&old, &new, "WordCount", RR);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("Repacking class: {RR}"));
    assert_eq!(lines[2], "New packing plan:");
    assert!(lines[3].contains("{container-id: 3, "), "{}", lines[3]);
    assert_eq!(lines[4], "Old packing plan:");
    assert!(!lines[5].contains("{container-id: 3, "), "{}", lines[5]);
    assert_eq!(
        render_update(DryRunFormat::Raw, &old, &new, "WordCount", RR),
        text
    );
}

#[test]
fn dry_run_format_names() {
    for f in [
        DryRunFormat::Raw,
        DryRunFormat::Table,
        DryRunFormat::ColoredTable,
        DryRunFormat::Json,
    ] {
        assert_eq!(f.as_str().parse::<DryRunFormat>().unwrap(), f);
    }
    let err = "yaml".parse::<DryRunFormat>().unwrap_err();
    assert_eq!(err.exit_code(), heron_common::ExitCode::BadInput);
    assert!(err.to_string().contains("colored_table"), "{err}");
}
