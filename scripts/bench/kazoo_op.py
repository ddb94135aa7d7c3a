"""The baseline of the statemgr benchmark: the one-shot operation `heron-statemgr` does, done with
kazoo + heronpy from a fresh Python process (interpreter start, imports, connect, the operation,
close), as a Python tool of Heron's (heron-tracker, heron-explorer) would do it.

usage:
  kazoo_op.py HOST:PORT get  ROOT KIND NAME     read, decode with heronpy, print JSON
  kazoo_op.py HOST:PORT set  ROOT KIND NAME FILE  check FILE decodes (heronpy), replace the node's data
  kazoo_op.py HOST:PORT list ROOT               children of the nine folders -> [{topology, nodes}]
KIND: executionstate (execution_state_pb2.ExecutionState) or topologies (topology_pb2.Topology)
"""
import json
import sys

from google.protobuf import json_format
from kazoo.client import KazooClient

FOLDERS = ["topologies", "packingplans", "pplans", "executionstate", "tmanagers",
           "metricscaches", "schedulers", "statefulcheckpoints", "locks"]


def message_type(kind):
    if kind == "executionstate":
        from heronpy.proto.execution_state_pb2 import ExecutionState
        return ExecutionState
    if kind == "topologies":
        from heronpy.proto.topology_pb2 import Topology
        return Topology
    raise SystemExit(f"kazoo_op.py: unsupported kind {kind!r}")


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    hosts, op, root = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/")
    client = KazooClient(hosts=hosts, timeout=30)
    client.start(timeout=30)
    try:
        if op == "get":
            kind, name = sys.argv[4:6]
            data, _ = client.get(f"{root}/{kind}/{name}")
            msg = message_type(kind)()
            msg.ParseFromString(data)
            print(json_format.MessageToJson(msg, preserving_proto_field_name=True))
        elif op == "set":
            kind, name, path = sys.argv[4:7]
            with open(path, "rb") as f:
                data = f.read()
            msg = message_type(kind)()
            msg.ParseFromString(data)  # the same check before writing that heron-statemgr does
            client.set(f"{root}/{kind}/{name}", data)
        elif op == "list":
            found = {}
            for folder in FOLDERS:
                if not client.exists(f"{root}/{folder}"):
                    continue
                for child in client.get_children(f"{root}/{folder}"):
                    topo = child.split("__")[0] if folder == "locks" else child
                    found.setdefault(topo, []).append(folder)
            print(json.dumps([{"topology": t, "nodes": n} for t, n in sorted(found.items())]))
        else:
            raise SystemExit(f"kazoo_op.py: unknown operation {op!r}")
    finally:
        client.stop()
        client.close()


if __name__ == "__main__":
    main()
