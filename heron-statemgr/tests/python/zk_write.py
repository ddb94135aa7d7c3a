"""Writes one topology's state the way Heron's Python state manager does (kazoo `create` with
`makepath=True`, persistent nodes, open ACL), plus an ephemeral tmanager location as Heron's
tmanager keeps it. Prints a JSON object {"<dir>": "<hex of the bytes written>"}, then "READY" on
a line of its own, and holds the session (so the ephemeral node lives) until stdin closes.

usage: zk_write.py HOST:PORT ROOT TOPOLOGY
"""
import json
import sys

from heronpy.proto import (execution_state_pb2, packing_plan_pb2, physical_plan_pb2,
                           scheduler_pb2, tmanager_pb2, topology_pb2)
from kazoo.client import KazooClient


def build(name):
    topology = topology_pb2.Topology()
    topology.id = name + "-py-1"
    topology.name = name
    topology.state = topology_pb2.RUNNING
    spout = topology.spouts.add()
    spout.comp.name = "word"
    spout.comp.spec = topology_pb2.PYTHON_CLASS_NAME
    spout.comp.class_name = "__main__.WordSpout"
    kv = spout.comp.config.kvs.add()
    kv.key = "topology.component.parallelism"
    kv.value = "2"
    kv.type = topology_pb2.STRING_VALUE
    out = spout.outputs.add()
    out.stream.id = "default"
    out.stream.component_name = "word"
    key = out.schema.keys.add()
    key.key = "word"
    key.type = topology_pb2.OBJECT

    plan = packing_plan_pb2.PackingPlan()
    plan.id = topology.id
    container = plan.container_plans.add()
    container.id = 1
    container.requiredResource.cpu = 2.0
    container.requiredResource.ram = 2 << 30
    container.requiredResource.disk = 4 << 30
    instance = container.instance_plans.add()
    instance.component_name = "word"
    instance.task_id = 1
    instance.component_index = 0
    instance.resource.cpu = 1.0
    instance.resource.ram = 1 << 30
    instance.resource.disk = 1 << 30

    pplan = physical_plan_pb2.PhysicalPlan()
    pplan.topology.CopyFrom(topology)
    stmgr = pplan.stmgrs.add()
    stmgr.id = "stmgr-1"
    stmgr.host_name = "host1"
    stmgr.data_port = 7001
    stmgr.local_endpoint = "/unused"

    state = execution_state_pb2.ExecutionState()
    state.topology_name = name
    state.topology_id = topology.id
    state.submission_time = 1764000000
    state.submission_user = "py"
    state.cluster = "test"
    state.environ = "devel"
    state.role = "py"

    scheduler = scheduler_pb2.SchedulerLocation()
    scheduler.topology_name = name
    scheduler.http_endpoint = "host1:9000"

    tmanager = tmanager_pb2.TManagerLocation()
    tmanager.topology_name = name
    tmanager.topology_id = topology.id
    tmanager.host = "host1"
    tmanager.controller_port = 7002
    tmanager.server_port = 7003
    return {
        "topologies": topology, "packingplans": plan, "pplans": pplan,
        "executionstate": state, "schedulers": scheduler, "tmanagers": tmanager,
    }


def main():
    hosts, root, name = sys.argv[1:4]
    client = KazooClient(hosts=hosts, timeout=15)
    client.start(timeout=15)
    written = {}
    for folder, message in build(name).items():
        data = message.SerializeToString()
        path = "%s/%s/%s" % (root, folder, name)
        client.create(path, value=data, makepath=True, ephemeral=(folder == "tmanagers"))
        written[folder] = data.hex()
    print(json.dumps(written, sort_keys=True))
    print("READY", flush=True)
    sys.stdin.read()
    client.stop()
    client.close()


if __name__ == "__main__":
    main()
