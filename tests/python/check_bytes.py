#!/usr/bin/env python3
"""Parses a file of protobuf bytes with heronpy's own generated classes and prints what it found, as JSON.

usage: check_bytes.py FILE|- TYPE
  TYPE: a Heron message name, short (Topology, PackingPlan, ExecutionState, SchedulerLocation, ...) or
        full (heron.proto.api.Topology). `check_bytes.py --list` prints every name.

Output keys: type, bytes, missing_required (required fields not set: must be [] for a valid message),
reencoded_equal (heronpy re-serializes to the same bytes), message (the decoded fields), or error.
Exit 0 when the bytes parse (check missing_required yourself), 1 when they do not, 2 on bad usage.
"""

import sys

import heron_protos


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(heron_protos.all_type_names()))
        return 0
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    path, type_name = argv[1], argv[2]
    try:
        cls = heron_protos.message_class(type_name)
    except KeyError as e:
        sys.stderr.write(f"check_bytes: {e.args[0]} (see --list)\n")
        return 2
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        sys.stderr.write(f"check_bytes: cannot read {path}: {e.strerror}\n")
        return 2
    result = heron_protos.decode(cls, data)
    heron_protos.print_json(result)
    return 1 if "error" in result else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
