# heron's wrapper around a .py topology program (heron-cli/src/py_pex.rs writes it to the submit's
# work folder and runs it with the topology's python).
#
#     python build.py FILE MODULE CLASS PEX MANIFEST DEFN_DIR [ARGS...]
#
# 1. Runs FILE as `python FILE ARGS...` would (CLASS `-`), or imports it as module MODULE and
#    calls CLASS's write() (a heronpy Topology subclass), as Heron's CLI does with a pex. The
#    program writes its .defn where HERON_OPTIONS says.
# 2. Writes PEX: a zip that Heron's executor unzips into the container's folder and Heron's Python
#    instance imports the component classes from (that folder goes first on sys.path). It holds
#    FILE as MODULE.py, every module the program loaded from FILE's folder at the path its name
#    gives, and a __main__.py that runs MODULE, so `python PEX` behaves like `python FILE`.
# 3. Loads every Python component class named in the .defn the program wrote to DEFN_DIR from the
#    zip alone, as Heron's Python instance would: the zip unzipped into a folder of its own, that
#    folder first on sys.path, FILE's folder off it, the program's own modules forgotten, no
#    HERON_OPTIONS (so a module that submits when imported fails), then
#    `__import__(module, fromlist=[name])`. A class the program defined in FILE is `__main__.X` in
#    the .defn; in the zip it is `MODULE.X`, which heron writes into the .defn.
# 4. Writes MANIFEST (JSON): the zip's files; the distributions the program imported from outside
#    that folder that Heron's instance does not bring (it has the standard library, heronpy and
#    heronpy's requirements) and the zip does not hold; the classes checked, and why any failed.
# With MANIFEST["refused"] set, nothing was run: MODULE would shadow a module the instance needs.

import json
import os
import sys

path, module_name, class_name, pex_path, manifest_path, defn_dir = sys.argv[1:7]
program_args = sys.argv[7:]
path = os.path.realpath(path)
folder = os.path.dirname(path)


def write_manifest(doc):
    with open(manifest_path, 'w') as f:
        json.dump(doc, f)


shadowed = set(getattr(sys, 'stdlib_module_names', ())) | {'heron', 'heronpy', '__main__'}
if module_name in shadowed:
    write_manifest({'refused': 'as module `%s` it would shadow %s in Heron\'s Python instance, which '
                    'imports the topology from its own folder first; rename the file'
                    % (module_name, 'Heron\'s own package' if module_name.startswith('heron')
                       else 'Python\'s own module of that name')})
    sys.exit(0)

import importlib  # noqa: E402
import importlib.util  # noqa: E402
import runpy  # noqa: E402
import site  # noqa: E402
import sysconfig  # noqa: E402
import zipfile  # noqa: E402

# What the instance brings: heronpy's API and what it loads. A topology without heronpy fails
# below, with its own ImportError.
try:
    import heronpy.api.bolt.bolt  # noqa: F401
    import heronpy.api.spout.spout  # noqa: F401
    import heronpy.api.stream  # noqa: F401
    import heronpy.api.topology  # noqa: F401
except ImportError:
    pass
baseline = set(sys.modules)

# As `python FILE` does: FILE's folder first on sys.path (here instead of -c's '').
sys.path[0] = folder
if class_name == '-':
    sys.argv = [path] + program_args
    try:
        runpy.run_path(path, run_name='__main__')
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
else:
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    getattr(module, class_name.rsplit('.', 1)[-1]).write()


def under(file, roots):
    return any(file == r or file.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


installed = set()
for getter in (site.getsitepackages, lambda: [site.getusersitepackages()]):
    try:
        installed.update(os.path.realpath(p) for p in getter())
    except Exception:
        pass
paths = sysconfig.get_paths()
installed.update(os.path.realpath(paths[k]) for k in ('purelib', 'platlib') if k in paths)
stdlib = {os.path.realpath(paths[k]) for k in ('stdlib', 'platstdlib') if k in paths}
prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}

files = {module_name + '.py': path}
bundled = {module_name}
outside = set()
for name, module in sorted(sys.modules.items()):
    file = getattr(module, '__file__', None)
    if not file or name == module_name:
        continue
    file = os.path.realpath(file)
    if file == path:
        continue
    if under(file, [folder]) and not under(file, installed | prefixes):
        parts = name.split('.')
        is_package = getattr(module, '__path__', None) is not None
        parent = parts if is_package else parts[:-1]
        files['/'.join(parent + [os.path.basename(file)])] = file
        bundled.add(name)
    elif name not in baseline and not (under(file, stdlib) and not under(file, installed)):
        outside.add(name.split('.')[0])


def normalized(dist):
    return dist.lower().replace('_', '-').replace('.', '-')


foreign = []
try:
    import importlib.metadata as metadata
    import re
    allowed, todo = set(), ['heronpy']
    while todo:
        dist = normalized(todo.pop())
        if dist in allowed:
            continue
        allowed.add(dist)
        try:
            for req in metadata.requires(dist) or []:
                if 'extra' not in req.partition(';')[2]:
                    todo.append(re.split(r'[\s;<>=!~\[(]', req.strip(), 1)[0])
        except metadata.PackageNotFoundError:
            pass
    owners = metadata.packages_distributions()
    for top in sorted(outside):
        dists = owners.get(top, [])
        if not any(normalized(d) in allowed for d in dists):
            foreign.append(dists[0] if dists else top)
except (ImportError, AttributeError):
    # Python < 3.10 cannot map modules to distributions: nothing is reported.
    pass

main_py = ("# Written by heron from %s: runs it, as `python %s` would.\n"
           "import runpy\n"
           "runpy.run_module(%r, run_name='__main__', alter_sys=True)\n"
           % (os.path.basename(path), os.path.basename(path), module_name))
with zipfile.ZipFile(pex_path, 'w', zipfile.ZIP_DEFLATED) as z:
    def add(arcname, data):
        info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    add('__main__.py', main_py)
    for arcname in sorted(files):
        with open(files[arcname], 'rb') as f:
            add(arcname, f.read())


def component_classes():
    """The Python components' class names in the .defn, `__main__.X` as `MODULE.X`; or the
    reason they cannot be read (heron then reports a .defn that does not decode itself)."""
    defns = [f for f in os.listdir(defn_dir) if f.endswith('.defn')]
    if len(defns) != 1:
        return [], None  # heron reports that itself
    try:
        from heronpy.proto import topology_pb2
    except ImportError as e:
        return [], 'heronpy is not importable here (%s)' % e
    topology = topology_pb2.Topology()
    try:
        with open(os.path.join(defn_dir, defns[0]), 'rb') as f:
            topology.ParseFromString(f.read())
    except Exception as e:  # noqa: B902 - any decode failure
        return [], 'the .defn does not decode (%s)' % e
    names = []
    for c in list(topology.spouts) + list(topology.bolts):
        if c.comp.spec == topology_pb2.PYTHON_CLASS_NAME and c.comp.class_name not in names:
            names.append(c.comp.class_name)
    prefix = '__main__.'
    return [module_name + '.' + n[len(prefix):] if n.startswith(prefix) else n for n in names], None


classes, unchecked = component_classes()
errors = []
if classes:
    for name in list(sys.modules):
        if name in bundled or name.split('.')[0] in bundled:
            del sys.modules[name]
    os.environ.pop('HERON_OPTIONS', None)
    sandbox = os.path.join(os.path.dirname(os.path.abspath(pex_path)), 'check')
    os.mkdir(sandbox)
    with zipfile.ZipFile(pex_path) as z:
        z.extractall(sandbox)
    sys.path[:] = [sandbox] + [p for p in sys.path if p and not under(os.path.realpath(p), [folder])]
    importlib.invalidate_caches()
    for class_path in classes:
        module, _, attr = class_path.rpartition('.')
        try:
            loaded = getattr(__import__(module, fromlist=[attr], level=0), attr)
            if not isinstance(loaded, type):
                errors.append('%s is a %s, not a class' % (class_path, type(loaded).__name__))
        except BaseException as e:  # noqa: B902 - SystemExit at import is a failure too
            errors.append('%s: %s: %s' % (class_path, type(e).__name__, e))
write_manifest({'files': ['__main__.py'] + sorted(files), 'foreign': sorted(set(foreign)),
                'checked': classes, 'unchecked': unchecked, 'load_errors': errors})
