#!/usr/bin/env python3
"""Writes one topology's Heron state into ZooKeeper the way Heron's Python state manager does
(kazoo `create(path, value, makepath=True)`: persistent nodes, parents created), so the Rust reader can be
checked against bytes it did not write itself.

usage: write_state.py HOST:PORT ROOT TOPOLOGY [--defn FILE] [--cluster C] [--role R] [--environ E]
                      [--submit-user U] [--nodes topologies,packingplans,...] [--auth USER:PASSWORD]

The Topology comes from --defn (a .defn file, e.g. written by word_count.py) or is built here with one
spout `word` (parallelism 2) and one bolt `count` (parallelism 2) on 2 stream managers. The other
messages are derived from it: ExecutionState (cluster/role/environ/submit user, a release state),
PackingPlan (round robin over topology.stmgrs containers, Heron's default 1 CPU / 1 GiB / 1 GiB
instances), PhysicalPlan, SchedulerLocation, TManagerLocation and MetricsCacheLocation.
--nodes picks the dirs to write (default: topologies,packingplans,executionstate,schedulers,pplans,tmanagers).
Prints JSON {"topology_id", "written": {dir: path}}. Exit 1 when a node already exists or ZK fails.
"""

import argparse
import sys
import time
import uuid

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, NodeExistsError

from heronpy.proto import (
    execution_state_pb2,
    packing_plan_pb2,
    physical_plan_pb2,
    scheduler_pb2,
    tmanager_pb2,
    topology_pb2,
)

import heron_protos

GIB = 1024 * 1024 * 1024
DEFAULT_NODES = "topologies,packingplans,executionstate,schedulers,pplans,tmanagers"


def kv(key, value):
    return topology_pb2.Config.KeyValue(key=key, value=value, type=topology_pb2.STRING_VALUE)


def built_topology(name):
    topo = topology_pb2.Topology(id=f"{name}{uuid.uuid4()}", name=name, state=topology_pb2.RUNNING)
    topo.topology_config.kvs.extend([kv("topology.stmgrs", "2"), kv("topology.component.parallelism", "1")])
    spout = topo.spouts.add()
    spout.comp.name = "word"
    spout.comp.spec = topology_pb2.PYTHON_CLASS_NAME
    spout.comp.class_name = "word_count.WordSpout"
    spout.comp.config.kvs.extend([kv("topology.component.parallelism", "2")])
    out = spout.outputs.add()
    out.stream.id = "default"
    out.stream.component_name = "word"
    out.schema.keys.add(key="word", type=topology_pb2.OBJECT)
    bolt = topo.bolts.add()
    bolt.comp.name = "count"
    bolt.comp.spec = topology_pb2.PYTHON_CLASS_NAME
    bolt.comp.class_name = "word_count.CountBolt"
    bolt.comp.config.kvs.extend([kv("topology.component.parallelism", "2")])
    inp = bolt.inputs.add()
    inp.stream.id = "default"
    inp.stream.component_name = "word"
    inp.gtype = topology_pb2.FIELDS
    inp.grouping_fields.keys.add(key="word", type=topology_pb2.OBJECT)
    return topo


def config_value(config, key, default):
    for pair in config.kvs:
        if pair.key == key and pair.HasField("value"):
            return pair.value
    return default


def instances(topo):
    """(component, global task id, component index) in the order Heron's round robin visits them."""
    out = []
    task = 1
    for comp in [s.comp for s in topo.spouts] + [b.comp for b in topo.bolts]:
        par = int(config_value(comp.config, "topology.component.parallelism", "1"))
        for index in range(par):
            out.append((comp.name, task, index))
            task += 1
    return out


def packing_plan(topo):
    n = int(config_value(topo.topology_config, "topology.stmgrs", "1"))
    plan = packing_plan_pb2.PackingPlan(id=topo.id)
    containers = {}
    for i, (comp, task, index) in enumerate(instances(topo)):
        cid = i % n + 1
        if cid not in containers:
            containers[cid] = plan.container_plans.add(id=cid)
        ip = containers[cid].instance_plans.add(component_name=comp, task_id=task, component_index=index)
        ip.resource.cpu, ip.resource.ram, ip.resource.disk = 1.0, GIB, GIB
    for cp in plan.container_plans:
        count = len(cp.instance_plans)
        cp.requiredResource.cpu = count + 1.0
        cp.requiredResource.ram = count * GIB + 2 * GIB
        cp.requiredResource.disk = count * GIB + 12 * GIB
    return plan


def physical_plan(topo, plan):
    pplan = physical_plan_pb2.PhysicalPlan()
    pplan.topology.CopyFrom(topo)
    for cp in plan.container_plans:
        stmgr = pplan.stmgrs.add(
            id=f"stmgr-{cp.id}", host_name="127.0.0.1", data_port=40000 + cp.id, local_endpoint="/unused"
        )
        for ip in cp.instance_plans:
            inst = pplan.instances.add(
                instance_id=f"container_{cp.id}_{ip.component_name}_{ip.task_id}", stmgr_id=stmgr.id
            )
            inst.info.task_id = ip.task_id
            inst.info.component_index = ip.component_index
            inst.info.component_name = ip.component_name
    return pplan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("connect")
    parser.add_argument("root")
    parser.add_argument("topology")
    parser.add_argument("--defn")
    parser.add_argument("--cluster", default="local")
    parser.add_argument("--role", default="heron")
    parser.add_argument("--environ", default="devel")
    parser.add_argument("--submit-user", default="heron")
    parser.add_argument("--nodes", default=DEFAULT_NODES)
    parser.add_argument("--auth", help="digest credentials user:password")
    args = parser.parse_args()

    if args.defn:
        topo = topology_pb2.Topology()
        try:
            with open(args.defn, "rb") as f:
                topo.ParseFromString(f.read())
        except OSError as e:
            sys.stderr.write(f"write_state: cannot read {args.defn}: {e.strerror}\n")
            return 2
        topo.name = args.topology
    else:
        topo = built_topology(args.topology)
    plan = packing_plan(topo)

    state = execution_state_pb2.ExecutionState(
        topology_name=topo.name,
        topology_id=topo.id,
        submission_time=int(time.time()),
        submission_user=args.submit_user,
        cluster=args.cluster,
        environ=args.environ,
        role=args.role,
    )
    state.release_state.release_username = args.submit_user
    state.release_state.release_tag = "heron-rs-tests"
    state.release_state.release_version = "0.20.5-incubating"
    messages = {
        "topologies": topo,
        "packingplans": plan,
        "executionstate": state,
        "schedulers": scheduler_pb2.SchedulerLocation(
            topology_name=topo.name, http_endpoint="127.0.0.1:45678", job_page_link=["http://127.0.0.1/job"]
        ),
        "pplans": physical_plan(topo, plan),
        "tmanagers": tmanager_pb2.TManagerLocation(
            topology_name=topo.name, topology_id=topo.id, host="127.0.0.1", controller_port=45679,
            server_port=45680, stats_port=45681,
        ),
        "metricscaches": tmanager_pb2.MetricsCacheLocation(
            topology_name=topo.name, topology_id=topo.id, host="127.0.0.1", controller_port=45682,
            server_port=45683, stats_port=45684,
        ),
    }
    wanted = [n.strip() for n in args.nodes.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in messages]
    if unknown:
        sys.stderr.write(f"write_state: unknown --nodes entries {unknown}; known: {sorted(messages)}\n")
        return 2

    auth = [("digest", args.auth)] if args.auth else None
    zk = KazooClient(hosts=args.connect, timeout=10, auth_data=auth)
    try:
        zk.start(timeout=15)
    except Exception as e:
        sys.stderr.write(f"write_state: cannot connect to ZooKeeper at {args.connect}: {e}\n")
        return 1
    root = args.root.rstrip("/")
    written = {}
    try:
        for name in wanted:
            path = f"{root}/{name}/{topo.name}"
            zk.create(path, value=messages[name].SerializeToString(), makepath=True)
            written[name] = path
    except NodeExistsError:
        sys.stderr.write(f"write_state: {path} already exists\n")
        return 1
    except KazooException as e:
        sys.stderr.write(f"write_state: writing {path} failed: {e!r}\n")
        return 1
    finally:
        zk.stop()
        zk.close()
    heron_protos.print_json({"topology_id": topo.id, "written": written})
    return 0


if __name__ == "__main__":
    sys.exit(main())
