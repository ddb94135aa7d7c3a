//! What each ZooKeeper node is created with: the ACL of the configured policy
//! (`heron.statemgr.zookeeper.acl`) and the node's mode, as Heron's `CuratorStateManager` creates
//! each kind.

use zookeeper_client as zk;

use super::ZkStateManager;
use crate::kind::NodeKind;
use crate::settings::AclPolicy;

static CREATOR_WORLD_READ: [zk::Acl; 2] = [
    zk::Acl::new_const(zk::Permission::ALL, "auth", ""),
    zk::Acl::new_const(zk::Permission::READ, "world", "anyone"),
];

impl ZkStateManager {
    pub(super) fn acls(&self) -> zk::Acls<'static> {
        match self.zk.acl {
            AclPolicy::Open => zk::Acls::anyone_all(),
            AclPolicy::Creator => zk::Acls::creator_all(),
            AclPolicy::CreatorWorldRead => zk::Acls::new(&CREATOR_WORLD_READ),
        }
    }

    pub(super) fn create_mode(&self, kind: NodeKind) -> zk::CreateMode {
        if kind.zk_ephemeral(self.scheduler_is_service) {
            zk::CreateMode::Ephemeral
        } else {
            zk::CreateMode::Persistent
        }
    }
}
