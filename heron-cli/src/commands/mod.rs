//! The `heron` commands, one module each: [`submit`] (the pipeline), [`manage`] (`kill`,
//! `restart`, `activate`, `deactivate`, `update`), [`doctor`], [`explorer`], and the commands
//! that need no cluster, [`version`] and [`config`]. [`report`] words what their result lines
//! share.

pub mod config;
pub mod doctor;
pub mod explorer;
pub mod manage;
pub mod report;
pub mod submit;
pub mod version;
