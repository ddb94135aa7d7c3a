//! The `heron` commands that have a folder of their own.

pub mod explorer;
