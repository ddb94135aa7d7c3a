"""Shared helpers for the Python test peers: heronpy's generated protobuf classes by name, and JSON output.

heronpy 0.20.5 pins protobuf 3.16 (pure Python). That version does not reject a message whose proto2
`required` fields are missing when parsing, so every decode here also reports FindInitializationErrors()
as `missing_required`.
"""

import base64
import json
import sys

from google.protobuf import json_format
from google.protobuf.message import DecodeError

from heronpy.proto import (
    ckptmgr_pb2,
    common_pb2,
    execution_state_pb2,
    packing_plan_pb2,
    physical_plan_pb2,
    scheduler_pb2,
    tmanager_pb2,
    topology_pb2,
)

_MODULES = [
    topology_pb2,
    execution_state_pb2,
    packing_plan_pb2,
    physical_plan_pb2,
    scheduler_pb2,
    tmanager_pb2,
    ckptmgr_pb2,
    common_pb2,
]

# Heron's state-manager layout: <root>/<dir>/<topology> holds one message of this type.
STATE_NODES = {
    "topologies": topology_pb2.Topology,
    "packingplans": packing_plan_pb2.PackingPlan,
    "pplans": physical_plan_pb2.PhysicalPlan,
    "executionstate": execution_state_pb2.ExecutionState,
    "schedulers": scheduler_pb2.SchedulerLocation,
    "tmanagers": tmanager_pb2.TManagerLocation,
    "metricscaches": tmanager_pb2.MetricsCacheLocation,
    "statefulcheckpoints": ckptmgr_pb2.StatefulConsistentCheckpoints,
}


def message_class(name):
    """The generated class for a short (`Topology`) or full (`heron.proto.api.Topology`) message name."""
    matches = []
    for module in _MODULES:
        for short, desc in module.DESCRIPTOR.message_types_by_name.items():
            if name in (short, desc.full_name):
                matches.append(getattr(module, short))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise KeyError(f"no Heron message type named '{name}'")
    full = ", ".join(m.DESCRIPTOR.full_name for m in matches)
    raise KeyError(f"'{name}' is ambiguous ({full}); use the full name")


def all_type_names():
    return sorted(
        desc.full_name for module in _MODULES for desc in module.DESCRIPTOR.message_types_by_name.values()
    )


def decode(cls, data):
    """Parses bytes as `cls`; returns a JSON-ready dict (error, missing_required, message, ...)."""
    msg = cls()
    out = {"type": cls.DESCRIPTOR.full_name, "bytes": len(data)}
    try:
        msg.ParseFromString(data)
    except DecodeError as e:
        out["error"] = f"cannot parse as {cls.DESCRIPTOR.full_name}: {e}"
        return out
    out["missing_required"] = msg.FindInitializationErrors()
    out["reencoded_equal"] = msg.SerializePartialToString() == data
    out["message"] = json_format.MessageToDict(msg, preserving_proto_field_name=True)
    return out


def print_json(obj):
    json.dump(obj, sys.stdout, indent=2, sort_keys=True, default=_default)
    sys.stdout.write("\n")


def _default(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON serializable: {type(value)}")
