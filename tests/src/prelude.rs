//! What an e2e test file imports: `use heron_tests::prelude::*;`.

pub use crate::aurora_standin::{Fault, WithFaults};
pub use crate::cluster::{CLUSTER, ENV, ROLE, S3Upload, State, Uploader, spec};
pub use crate::output::{
    code, describe, json_of, run, run_expect, run_on_a_terminal, run_with_stdin, text, wait_for,
};
pub use crate::stand::{Stand, StandBuilder};
pub use crate::tmanager_standin::TManager;
pub use crate::{TestDir, bin, bin_command, command, unique_name};
