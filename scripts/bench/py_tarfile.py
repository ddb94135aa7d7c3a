"""What Heron's Python CLI does to build topology.tar.gz (heron/tools/common/.../config.py,
create_tar): tarfile.open(dest, 'w:gz', dereference=True) (gzip level 9, tarfile's default), the
topology file and the defn at the top, the conf folder as heron-conf/.

usage: py_tarfile.py DEST TOPOLOGY_FILE DEFN_FILE CONF_DIR
"""
import contextlib
import os
import sys
import tarfile


def main():
    dest, topology, defn, conf = sys.argv[1:5]
    with contextlib.closing(tarfile.open(dest, "w:gz", dereference=True)) as tar:
        for f in (topology, defn):
            tar.add(f, arcname=os.path.basename(f))
        tar.add(conf, arcname="heron-conf")


if __name__ == "__main__":
    main()
