//! Writes: the tree (created once, before the first write, when configured to), creates that
//! never overwrite (as Heron's), replaces, deletes (recursive for locks), and the atomic submit in
//! one multi. Each write tells "exists because my earlier attempt made it" from "exists because
//! someone else made it" after a lost connection.

use std::sync::atomic::Ordering;

use heron_common::Error;
use heron_common::contract::SubmitState;
use zookeeper_client as zk;

use super::ZkStateManager;
use crate::kind::{NodeKind, check_topology_name, tree_dirs};
use crate::settings::KEY_ZK_INIT_TREE;
use crate::store::{DeleteOutcome, submit_nodes};

impl ZkStateManager {
    /// Creates the root (chroot included) and the nine folders, once, when configured to.
    pub(super) async fn ensure_tree(&self) -> Result<(), Error> {
        if !self.zk.initialize_tree || self.tree_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        let acls = self.acls();
        if !self.base.is_empty() {
            let base = self.base.clone();
            self.op("create", &base, |c, _| {
                let base = base.clone();
                async move {
                    c.mkdir(&base, &zk::CreateMode::Persistent.with_acls(acls))
                        .await
                }
            })
            .await?
            .map_err(|e| self.fail(e, "create", &self.base))?;
        }
        let dirs: Vec<String> = tree_dirs().map(|dir| self.dir_path(dir)).collect();
        let label = format!("{}/*", self.base);
        let result = self
            .op("create", &label, |c, _| {
                let dirs = dirs.clone();
                async move {
                    let options = zk::CreateMode::Persistent.with_acls(acls);
                    let creates = dirs.iter().map(|d| c.create(d, &[], &options));
                    for result in futures::future::join_all(creates).await {
                        match result {
                            Ok(_) | Err(zk::Error::NodeExists) => {}
                            Err(err) => return Err(err),
                        }
                    }
                    Ok(())
                }
            })
            .await?;
        result.map_err(|e| self.fail(e, "create", &label))?;
        self.tree_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    pub(super) fn missing_parent(&self, path: &str) -> Error {
        let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or(path);
        Error::NotFound(format!(
            "cannot create {path}: its folder {parent} does not exist; create it or set \
             {KEY_ZK_INIT_TREE} to true"
        ))
    }

    /// Writes a node: creates it (never overwriting, as Heron's state manager), or with `replace`
    /// sets its data, creating it if absent.
    pub(super) async fn write_node(
        &self,
        kind: NodeKind,
        path: &str,
        data: &[u8],
        replace: bool,
    ) -> Result<(), Error> {
        let action = if replace { "write" } else { "create" };
        let options = self.create_mode(kind).with_acls(self.acls());
        let result = self
            .op(action, path, |c, attempt| {
                let (path, data, options) = (path.to_string(), data.to_vec(), options.clone());
                async move {
                    if replace {
                        set_or_create(&c, &path, &data, &options).await
                    } else {
                        create_once(&c, attempt, &path, &data, &options).await
                    }
                }
            })
            .await?;
        match result {
            Ok(true) => Ok(()),
            Ok(false) | Err(zk::Error::NodeExists) => Err(Error::AlreadyExists(format!(
                "{path} already exists; Heron's ZooKeeper state manager never overwrites a node: \
                 delete it first, or use `set --replace`"
            ))),
            Err(zk::Error::NoNode) => Err(self.missing_parent(path)),
            Err(err) => Err(self.fail(err, action, path)),
        }
    }

    pub(super) async fn delete_node(&self, path: &str) -> Result<DeleteOutcome, Error> {
        let owned = path.to_string();
        let result = self
            .op("delete", path, |c, attempt| {
                let path = owned.clone();
                async move {
                    match c.delete(&path, None).await {
                        Ok(()) => Ok(DeleteOutcome::Deleted),
                        // After a lost connection, "absent" may mean our earlier attempt deleted it.
                        Err(zk::Error::NoNode) if attempt > 0 => Ok(DeleteOutcome::Deleted),
                        Err(zk::Error::NoNode) => Ok(DeleteOutcome::Absent),
                        Err(err) => Err(err),
                    }
                }
            })
            .await?;
        result.map_err(|e| self.fail(e, "delete", path))
    }

    /// Deletes a node and everything under it (children first).
    pub(super) async fn delete_recursive(&self, path: &str) -> Result<DeleteOutcome, Error> {
        let owned = path.to_string();
        let result = self
            .op("delete", path, |c, attempt| {
                let root = owned.clone();
                async move {
                    // Lock holders may add children while we delete: go round a few times.
                    for _ in 0..10 {
                        let mut all = vec![root.clone()];
                        let mut i = 0;
                        while i < all.len() {
                            match c.list_children(&all[i]).await {
                                Ok(children) => {
                                    let parent = all[i].clone();
                                    all.extend(
                                        children.into_iter().map(|ch| format!("{parent}/{ch}")),
                                    );
                                }
                                Err(zk::Error::NoNode) => {}
                                Err(err) => return Err(err),
                            }
                            i += 1;
                        }
                        let mut deleted_root = false;
                        let mut retry = false;
                        for path in all.iter().rev() {
                            match c.delete(path, None).await {
                                Ok(()) => deleted_root |= *path == root,
                                Err(zk::Error::NoNode) => {}
                                Err(zk::Error::NotEmpty) => {
                                    retry = true;
                                    break;
                                }
                                Err(err) => return Err(err),
                            }
                        }
                        if !retry {
                            let gone = deleted_root || all.len() > 1 || attempt > 0;
                            return Ok(if gone {
                                DeleteOutcome::Deleted
                            } else {
                                DeleteOutcome::Absent
                            });
                        }
                    }
                    Err(zk::Error::NotEmpty)
                }
            })
            .await?;
        result.map_err(|e| self.fail(e, "delete", path))
    }

    pub(super) async fn submit(&self, topology: &str, state: &SubmitState) -> Result<(), Error> {
        check_topology_name(topology)?;
        self.ensure_tree().await?;
        let acls = self.acls();
        let nodes: Vec<(String, Vec<u8>, zk::CreateMode)> = submit_nodes(state)
            .into_iter()
            .map(|(kind, data)| {
                (
                    self.node_path(kind, topology),
                    data.to_vec(),
                    self.create_mode(kind),
                )
            })
            .collect();
        let label = self.node_path(NodeKind::Topology, topology);
        let result = self
            .op("submit", &label, |c, attempt| {
                let nodes = nodes.clone();
                async move {
                    let mut writer = c.new_multi_writer();
                    for (path, data, mode) in &nodes {
                        writer
                            .add_create(path, data, &mode.with_acls(acls))
                            .map_err(zk::MultiWriteError::from)?;
                    }
                    match writer.commit().await {
                        Ok(_) => Ok(None),
                        Err(zk::MultiWriteError::OperationFailed {
                            index,
                            source: zk::Error::NodeExists,
                        }) if attempt > 0 => {
                            // The multi is atomic: if all four hold our bytes, it was our attempt.
                            for (path, data, _) in &nodes {
                                match c.get_data(path).await {
                                    Ok((existing, _)) if existing == *data => {}
                                    Ok(_) | Err(zk::Error::NoNode) => return Ok(Some(index)),
                                    Err(err) => return Err(err.into()),
                                }
                            }
                            Ok(None)
                        }
                        Err(zk::MultiWriteError::OperationFailed {
                            index,
                            source: zk::Error::NodeExists,
                        }) => Ok(Some(index)),
                        Err(err) => Err(err),
                    }
                }
            })
            .await?;
        match result {
            Ok(None) => Ok(()),
            Ok(Some(index)) => {
                let existing = nodes
                    .get(index)
                    .map(|n| n.0.as_str())
                    .unwrap_or(label.as_str());
                Err(Error::AlreadyExists(format!(
                    "topology {topology} already has state: {existing} exists; nothing was written"
                )))
            }
            Err(zk::MultiWriteError::OperationFailed {
                index,
                source: zk::Error::NoNode,
            }) => {
                let path = nodes
                    .get(index)
                    .map(|n| n.0.as_str())
                    .unwrap_or(label.as_str());
                Err(self.missing_parent(path))
            }
            Err(zk::MultiWriteError::OperationFailed { index, source }) => {
                let path = nodes
                    .get(index)
                    .map(|n| n.0.as_str())
                    .unwrap_or(label.as_str());
                Err(self.fail(source, "create", path))
            }
            Err(zk::MultiWriteError::RequestFailed { source }) => {
                Err(self.fail(source, "submit", &label))
            }
        }
    }
}

/// Creates the node; `false` when it exists and is not the one an earlier attempt (lost with the
/// connection) made.
async fn create_once(
    c: &zk::Client,
    attempt: u32,
    path: &str,
    data: &[u8],
    options: &zk::CreateOptions<'_>,
) -> Result<bool, zk::Error> {
    match c.create(path, data, options).await {
        Ok(_) => Ok(true),
        // An earlier attempt may have succeeded before the connection dropped.
        Err(zk::Error::NodeExists) if attempt > 0 => match c.get_data(path).await {
            Ok((existing, stat)) => Ok(existing == data
                && (stat.ephemeral_owner == 0 || stat.ephemeral_owner == c.session_id().0)),
            Err(zk::Error::NoNode) => Err(zk::Error::ConnectionLoss),
            Err(err) => Err(err),
        },
        Err(err) => Err(err),
    }
}

/// Sets the node's data, else creates it; a racing create or delete sends us round again.
async fn set_or_create(
    c: &zk::Client,
    path: &str,
    data: &[u8],
    options: &zk::CreateOptions<'_>,
) -> Result<bool, zk::Error> {
    for _ in 0..5 {
        match c.set_data(path, data, None).await {
            Ok(_) => return Ok(true),
            Err(zk::Error::NoNode) => {}
            Err(err) => return Err(err),
        }
        match c.create(path, data, options).await {
            Ok(_) => return Ok(true),
            Err(zk::Error::NodeExists) => {}
            Err(err) => return Err(err),
        }
    }
    Err(zk::Error::RuntimeInconsistent)
}
