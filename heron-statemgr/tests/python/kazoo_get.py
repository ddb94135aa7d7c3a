"""The same one-shot read `heron-statemgr get` does, done with kazoo + heronpy from a fresh Python
process: connect, read one node, decode it, print its JSON, close. The benchmark's baseline.

usage: kazoo_get.py HOST:PORT NODE_PATH MESSAGE   (MESSAGE: e.g. execution_state_pb2.ExecutionState)
"""
import importlib
import sys

from google.protobuf import json_format
from kazoo.client import KazooClient


def main():
    hosts, path, message = sys.argv[1:4]
    module_name, class_name = message.split(".")
    message_type = getattr(importlib.import_module("heronpy.proto." + module_name), class_name)
    client = KazooClient(hosts=hosts, timeout=30)
    client.start(timeout=30)
    try:
        data, _ = client.get(path)
    finally:
        client.stop()
        client.close()
    decoded = message_type()
    decoded.ParseFromString(data)
    print(json_format.MessageToJson(decoded, preserving_proto_field_name=True))


if __name__ == "__main__":
    main()
