#!/usr/bin/env python3
"""Opens a submitted topology package the way a Heron 0.20.5 container does, and loads every
component class of a Python topology from it. Run with the heronpy venv.

    open_pex.py PACKAGE BINARY DEFN SANDBOX

PACKAGE is the uploaded topology.tar.gz; BINARY and DEFN the values of the executor's
--topology-binary-file and --topology-defn-file; SANDBOX an empty folder (the container's).

What each step stands for (our restatement of Heron's behaviour, not Heron's code):
 1. Aurora's fetch_user_package process: `tar zxf topology.tar.gz` in the sandbox;
 2. heron-executor, --pkg-type=pex: `unzip -qq -n BINARY` in the sandbox (a file that is not a zip
    fails here: the instances would later fail with BadZipFile);
 3. the Python instance reads its component's class name from the topology definition and
    (heron/common/src/python/pex_loader.py) puts the pex's folder and every `.deps/*.whl` of the
    zip first on sys.path, then does `__import__(module, fromlist=[name])` and getattr;
 4. the class must be a heronpy Spout or Bolt, as the instance's spout/bolt runner expects.
The topology's own folder is never on sys.path here: only what the package carries counts.
Prints {"classes": {component: class}, "files": [zip members]} as JSON; exits 1 with the
reasons on stderr when any class does not load.
"""

import json
import os
import re
import sys
import tarfile
import zipfile

package, binary, defn, sandbox = sys.argv[1:5]
sandbox = os.path.abspath(sandbox)
os.chdir(sandbox)
# Not this script's folder (tests/python holds topologies of the same names), nor the current one.
del sys.path[0]
sys.path = [p for p in sys.path if p not in ('', '.', sandbox)]

with tarfile.open(package, 'r:gz') as tar:
    tar.extractall(sandbox)

try:
    with zipfile.ZipFile(os.path.join(sandbox, binary)) as pex:
        members = pex.namelist()
        for member in members:
            if not os.path.exists(os.path.join(sandbox, member)):
                pex.extract(member, sandbox)
except (zipfile.BadZipFile, FileNotFoundError) as e:
    sys.stderr.write('the topology binary %s cannot be unzipped: %s\n' % (binary, e))
    sys.exit(1)

from heronpy.proto import topology_pb2  # noqa: E402
from heronpy.api.bolt.bolt import Bolt  # noqa: E402
from heronpy.api.spout.spout import Spout  # noqa: E402

topology = topology_pb2.Topology()
with open(os.path.join(sandbox, defn), 'rb') as f:
    topology.ParseFromString(f.read())

sys.path.insert(0, sandbox)
for dep in sorted({m.group(1) for m in (re.match(r'^(\.deps/[^/\s]*\.(egg|whl))/', n)
                                        for n in members) if m}):
    sys.path.insert(0, os.path.join(sandbox, dep))

classes, errors = {}, []
for kind, components, base in (('spout', topology.spouts, Spout), ('bolt', topology.bolts, Bolt)):
    for c in components:
        class_path = c.comp.class_name
        classes[c.comp.name] = class_path
        module, _, name = class_path.rpartition('.')
        try:
            loaded = getattr(__import__(module, fromlist=[name], level=0), name)
        except BaseException as e:  # noqa: B902
            errors.append('%s %s: %s: %s: %s' % (kind, c.comp.name, class_path, type(e).__name__, e))
            continue
        if not (isinstance(loaded, type) and issubclass(loaded, base)):
            errors.append('%s %s: %s is not a heronpy %s' % (kind, c.comp.name, class_path,
                                                            base.__name__))
if errors:
    sys.stderr.write('\n'.join(errors) + '\n')
    sys.exit(1)
json.dump({'classes': classes, 'files': sorted(members)}, sys.stdout, sort_keys=True)
sys.stdout.write('\n')
