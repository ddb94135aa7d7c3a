#!/usr/bin/env python3
"""Reads one topology's Heron state from ZooKeeper with kazoo and decodes every node with heronpy's protos.

usage: decode_state.py HOST:PORT ROOT TOPOLOGY [--auth USER:PASSWORD]

Prints JSON: {"root", "topology", "nodes": {<dir>: null | {path, ephemeral, acl, type, bytes,
missing_required, reencoded_equal, message} | {..., error}}, "locks": [children of ROOT/locks]}
for the dirs topologies, packingplans, pplans, executionstate, schedulers, tmanagers, metricscaches and
statefulcheckpoints. A node that does not exist is null. Exit 0 on success, 1 when ZooKeeper cannot be read.
"""

import argparse
import sys

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, NoNodeError

import heron_protos


def acl_strings(acls):
    out = []
    for acl in acls:
        out.append(f"{acl.id.scheme}:{acl.id.id}:{acl.perms}")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("connect")
    parser.add_argument("root")
    parser.add_argument("topology")
    parser.add_argument("--auth", help="digest credentials user:password")
    args = parser.parse_args()

    auth = [("digest", args.auth)] if args.auth else None
    zk = KazooClient(hosts=args.connect, timeout=10, auth_data=auth)
    try:
        zk.start(timeout=15)
    except Exception as e:  # kazoo raises a plain timeout here
        sys.stderr.write(f"decode_state: cannot connect to ZooKeeper at {args.connect}: {e}\n")
        return 1
    root = args.root.rstrip("/") or ""
    result = {"root": args.root, "topology": args.topology, "nodes": {}, "locks": None}
    try:
        for dirname, cls in heron_protos.STATE_NODES.items():
            path = f"{root}/{dirname}/{args.topology}"
            try:
                data, stat = zk.get(path)
            except NoNodeError:
                result["nodes"][dirname] = None
                continue
            entry = {"path": path, "ephemeral": stat.ephemeralOwner != 0}
            try:
                entry["acl"] = acl_strings(zk.get_acls(path)[0])
            except NoNodeError:
                entry["acl"] = None
            entry.update(heron_protos.decode(cls, data or b""))
            result["nodes"][dirname] = entry
        try:
            result["locks"] = sorted(zk.get_children(f"{root}/locks"))
        except NoNodeError:
            result["locks"] = None
    except KazooException as e:
        sys.stderr.write(f"decode_state: reading {args.connect}{root} failed: {e!r}\n")
        return 1
    finally:
        zk.stop()
        zk.close()
    heron_protos.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
