"""Reads one topology's state nodes with kazoo and decodes them with heronpy's protobuf classes,
as Heron's Python tools (tracker, executor) do. Prints one JSON object:
{"<dir>": {"missing_required": [...], "ephemeral": bool, "fields": {...}} or {"error": "..."}}.

usage: zk_decode.py HOST:PORT ROOT TOPOLOGY
"""
import json
import sys

from google.protobuf import json_format
from heronpy.proto import (ckptmgr_pb2, execution_state_pb2, packing_plan_pb2,
                           physical_plan_pb2, scheduler_pb2, tmanager_pb2, topology_pb2)
from kazoo.client import KazooClient

MESSAGES = {
    "topologies": topology_pb2.Topology,
    "packingplans": packing_plan_pb2.PackingPlan,
    "pplans": physical_plan_pb2.PhysicalPlan,
    "executionstate": execution_state_pb2.ExecutionState,
    "tmanagers": tmanager_pb2.TManagerLocation,
    "metricscaches": tmanager_pb2.MetricsCacheLocation,
    "schedulers": scheduler_pb2.SchedulerLocation,
    "statefulcheckpoints": ckptmgr_pb2.StatefulConsistentCheckpoints,
}


def main():
    hosts, root, topology = sys.argv[1:4]
    client = KazooClient(hosts=hosts, timeout=15)
    client.start(timeout=15)
    result = {}
    try:
        for folder, message_type in MESSAGES.items():
            path = "%s/%s/%s" % (root, folder, topology)
            if not client.exists(path):
                continue
            data, stat = client.get(path)
            message = message_type()
            try:
                message.ParseFromString(data)
            except Exception as exc:  # a decode failure is what the test looks for
                result[folder] = {"error": str(exc)}
                continue
            # protobuf 3.16 does not check required fields on parse: ask explicitly.
            result[folder] = {
                "missing_required": message.FindInitializationErrors(),
                "ephemeral": stat.ephemeralOwner != 0,
                "fields": json_format.MessageToDict(message, preserving_proto_field_name=True),
            }
    finally:
        client.stop()
        client.close()
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
