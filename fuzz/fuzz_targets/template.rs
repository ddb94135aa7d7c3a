//! Template rendering: any template text with a fixed, valid set of bindings must render to a job
//! file or fail with an error at a line and column, never panic. The first line of the input is a
//! values document (YAML/JSON), the rest the template, so bindings get fuzzed too.
#![no_main]

use heron_aurora_render::{Bindings, FetchCommands, Template, list_variables, render};
use libfuzzer_sys::fuzz_target;

const VALUES: &str = "CLUSTER: devcluster\nROLE: ads\nENVIRON: devel\nTOPOLOGY_NAME: Fuzz\n\
    NUM_CONTAINERS: 2\nCPUS_PER_CONTAINER: 1.5\nRAM_PER_CONTAINER: 1073741824\n\
    DISK_PER_CONTAINER: 2147483648\nEXECUTOR_BINARY: ./heron-core/bin/heron-executor\n\
    CORE_PACKAGE_URI: file:///heron-core.tar.gz\nTOPOLOGY_PACKAGE_URI: file:///topology.tar.gz\n\
    TOPOLOGY_ARGUMENTS: --topology-name=Fuzz\nTIER: preemptible\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (values_line, template_text) = text.split_once('\n').unwrap_or(("", text));
    let mut bindings = Bindings::new();
    if bindings.add_document(VALUES, "values.yaml").is_err() {
        return;
    }
    // Extra bindings from the input; a bad document is an error, which is fine.
    let _ = bindings.add_document(values_line, "fuzz-values.yaml");
    let template = Template::new("fuzz.aurora", template_text);
    let _ = list_variables(&template);
    let _ = render(&template, &bindings, &FetchCommands::default());
});
