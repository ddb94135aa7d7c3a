"""Benchmark inputs, made once and reused (the caller skips a file that already has the right size).

usage:
  gen_data.py blob SIZE_BYTES PATH   incompressible bytes (os.urandom in 16 MiB slices: urandom-like,
                                     ~0.5-1 GB/s, so 1 GiB takes a second or two)
  gen_data.py jar SIZE_BYTES PATH    a real jar (zip) of about SIZE_BYTES: a manifest, then entries of
                                     already-compressed content (deflated random bytes, as the class
                                     files and resources of a real jar are: gzip finds nothing to gain)
"""
import os
import sys
import zipfile

SLICE = 16 << 20


def blob(size, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        left = size
        while left:
            n = min(SLICE, left)
            f.write(os.urandom(n))
            left -= n
    os.replace(tmp, path)


def jar(size, path):
    tmp = path + ".tmp"
    entry = 256 << 10  # 256 KiB entries: ~800 entries for 200 MB, the order of a fat jar's big members
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nCreated-By: heron-rs bench\n")
        written, i = 0, 0
        while written < size:
            n = min(entry, size - written)
            # compresslevel 1: random input stays random (deflate stores it), and is written fast.
            z.writestr(
                zipfile.ZipInfo(f"com/example/bench/Blob{i:05d}.class", (2024, 1, 1, 0, 0, 0)),
                os.urandom(n),
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=1,
            )
            written += n
            i += 1
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("blob", "jar"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    {"blob": blob, "jar": jar}[sys.argv[1]](int(sys.argv[2]), sys.argv[3])


if __name__ == "__main__":
    main()
