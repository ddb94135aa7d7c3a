//! Reads: one node, the listing of every topology (one multi-read, one consistent snapshot), and
//! watches that re-arm across sessions.

use heron_common::Error;
use zookeeper_client as zk;

use super::ZkStateManager;
use crate::kind::{NodeKind, check_topology_name, tree_dirs};
use crate::store::{Node, TopologyListing, WatchCallback, WatchEvent, group_listing};

impl ZkStateManager {
    pub(super) async fn read(&self, path: &str) -> Result<Option<Node>, Error> {
        let owned = path.to_string();
        let result = self
            .op("read", path, |c, _| {
                let path = owned.clone();
                async move { c.get_data(&path).await }
            })
            .await?;
        match result {
            Ok((data, stat)) => Ok(Some(node_from(path, data, &stat))),
            Err(zk::Error::NoNode) => Ok(None),
            Err(err) => Err(self.fail(err, "read", path)),
        }
    }

    pub(super) async fn list_all(&self) -> Result<Vec<TopologyListing>, Error> {
        let dirs: Vec<&'static str> = tree_dirs().collect();
        let paths: Vec<String> = dirs.iter().map(|d| self.dir_path(d)).collect();
        let label = format!("{}/*", self.base);
        let result = self
            .op("list", &label, |c, _| {
                let paths = paths.clone();
                async move {
                    // One round trip, one consistent snapshot.
                    let mut reader = c.new_multi_reader();
                    for path in &paths {
                        reader.add_get_children(path)?;
                    }
                    let results = reader.commit().await?;
                    let mut out = Vec::new();
                    for result in results {
                        match result {
                            zk::MultiReadResult::Children { children } => out.push(children),
                            zk::MultiReadResult::Error {
                                err: zk::Error::NoNode,
                            } => out.push(Vec::new()),
                            zk::MultiReadResult::Error { err } => return Err(err),
                            _ => out.push(Vec::new()),
                        }
                    }
                    Ok(out)
                }
            })
            .await?;
        let children = result.map_err(|e| self.fail(e, "list", &label))?;
        Ok(group_listing(dirs.into_iter().zip(children)))
    }

    pub(super) async fn watch_node(
        &self,
        kind: NodeKind,
        topology: &str,
        on_event: WatchCallback<'_>,
    ) -> Result<(), Error> {
        check_topology_name(topology)?;
        let path = self.node_path(kind, topology);
        let mut last: Option<Node> = None;
        let mut first = true;
        loop {
            let owned = path.clone();
            let armed = self
                .op("watch", &path, |c, _| {
                    let path = owned.clone();
                    async move {
                        loop {
                            match c.get_and_watch_data(&path).await {
                                Ok((data, stat, watcher)) => {
                                    return Ok((Some((data, stat)), watcher));
                                }
                                Err(zk::Error::NoNode) => {}
                                Err(err) => return Err(err),
                            }
                            match c.check_and_watch_stat(&path).await {
                                Ok((None, watcher)) => return Ok((None, watcher)),
                                // Created in between: read it again.
                                Ok((Some(_), _)) => continue,
                                Err(err) => return Err(err),
                            }
                        }
                    }
                })
                .await?;
            let (now, watcher) = armed.map_err(|e| self.fail(e, "watch", &path))?;
            let now = now.map(|(data, stat)| node_from(&path, data, &stat));
            let event = if first {
                first = false;
                Some(WatchEvent::Initial(now.clone()))
            } else {
                WatchEvent::between(&last, &now, |a, b| {
                    a.data != b.data || a.version != b.version
                })
            };
            last = now;
            if let Some(event) = event
                && !on_event(event)
            {
                return Ok(());
            }
            let event = watcher.changed().await;
            if event.event_type == zk::EventType::Session && event.session_state.is_terminated() {
                tracing::debug!("watch session ended ({}); re-arming", event.session_state);
            }
        }
    }
}

pub(super) fn node_from(path: &str, data: Vec<u8>, stat: &zk::Stat) -> Node {
    Node {
        data,
        location: path.to_string(),
        ephemeral_owner: (stat.ephemeral_owner != 0).then_some(stat.ephemeral_owner),
        version: Some(stat.version),
        modified_ms: Some(stat.mtime),
    }
}
