//! The command line front: what every command shares before it does its own work.

pub mod args;
pub mod argv;
pub mod context;
pub mod embedded;
