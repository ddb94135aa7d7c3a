//! The `heron` commands, one module each.

pub mod doctor;
pub mod explorer;
pub mod local;
pub mod manage;
pub mod report;
pub mod submit;
