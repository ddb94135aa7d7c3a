"""Loads a rendered Aurora job file the way Aurora's client would, then binds it like Thermos.

    python load_job.py JOBFILE [--job-key CLUSTER/ROLE/ENV/NAME] [--instance N] [--bind NAME=VALUE]...

Steps (each one a check Aurora's client or executor makes; see aurora_schema.py for the schema,
our own re-statement of Aurora's):
 1. execute the file with the schema's names in scope (pystachio's Config loader, as Aurora's
    AuroraConfigLoader does) and take `jobs`; there must be exactly one, a Job;
 2. bind each --bind NAME=VALUE into the job, as `aurora job create --bind` does
    (AuroraConfig.pick: `job.bind(*bindings)`; how Heron's own AuroraController passes its
    bindings, so loading an unrendered Heron template with them is what Aurora runs under Heron);
    when a key is given it must match; cluster, role and task must be set, the task must have
    processes;
 3. convert as the client does: job-key parts are identifiers, resources present and positive
    (RAM and disk in MiB by integer division, as Aurora's Python 2 client computes them), every
    field type-checks, and no reference is left unbound except Aurora's runtime ones
    ({{mesos.instance}}, {{mesos.hostname}}, {{thermos.task_id}}, {{thermos.ports[...]}});
 4. bind what the executor binds for one instance ({{mesos.*}}, a port for every named port,
    {{thermos.task_id}}, {{thermos.user}}) and interpolate: nothing may remain unbound.
Prints the resulting job as JSON on stdout; on failure prints `error: ...` on stderr and exits 1.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pystachio import Empty, Environment, Ref  # noqa: E402
from pystachio.config import Config  # noqa: E402

import aurora_schema as schema  # noqa: E402

GOOD_IDENTIFIER = re.compile(r'^[\w\-\.]+$', re.ASCII)
RUNTIME_REFS = [Ref.from_address(a) for a in ('mesos.instance', 'mesos.hostname', 'thermos.task_id')]
PORT_SCOPE = Ref.from_address('thermos.ports')
FIRST_PORT = 31000


class Invalid(Exception):
  pass


class JobLoader(Config):
  # What Aurora's loader puts in scope before executing a config: pystachio, then the schema.
  DEFAULT_SCHEMA = 'from pystachio import *\nfrom aurora_schema import *'


def interpolated(value, what):
  check = value.check()
  if not check.ok():
    raise Invalid('%s: %s' % (what, check.message()))
  result, _ = value.interpolate()
  return result.get()


def port_names(obj):
  """Named ports referenced as {{thermos.ports[name]}} anywhere in obj."""
  _, refs = obj.interpolate()
  names = set()
  for ref in refs:
    sub = PORT_SCOPE.scoped_to(ref)
    if sub is not None:
      if not sub.is_index():
        raise Invalid('bad port reference %s (should be thermos.ports[name])' % ref.address())
      names.add(sub.action().value)
  return names


def load(path, job_key=None, instance=0, bindings=()):
  try:
    env = JobLoader(path).environment
  except Config.InvalidConfigError as e:
    raise Invalid('cannot load %s: %s' % (path, e))
  jobs = env.get('jobs', [])
  if not jobs:
    raise Invalid('no job defined in this config (no `jobs`)')
  if len(jobs) != 1:
    raise Invalid('%d jobs defined; expected exactly one' % len(jobs))
  job = jobs[0]
  if not isinstance(job, schema.MesosJob):
    raise Invalid('`jobs` holds a %s, not a Job' % type(job).__name__)
  if bindings:
    job = job.bind(*bindings)

  for field in ('cluster', 'task', 'role'):
    if not getattr(job, 'has_%s' % field)():
      raise Invalid('%s required for job "%s"' % (field.capitalize(), job.name()))
  if not job.task().has_processes():
    raise Invalid('Processes required for task on job "%s"' % job.name())
  # The deprecated names Aurora still rewrites.
  job = job.bind({
    Ref.from_address('mesos.role'): '{{role}}',
    Ref.from_address('mesos.cluster'): '{{cluster}}',
    Ref.from_address('thermos.user'): '{{role}}',
  })

  key = {}
  for field in ('cluster', 'role', 'environment', 'name'):
    value = interpolated(getattr(job, field)(), field)
    if not isinstance(value, str) or not GOOD_IDENTIFIER.match(value):
      raise Invalid('invalid %s %r' % (field, value))
    key[field] = value
  key_text = '%(cluster)s/%(role)s/%(environment)s/%(name)s' % key
  if job_key is not None and job_key != key_text:
    raise Invalid('could not find job %s (the file defines %s)' % (job_key, key_text))

  task = job.task()
  if not task.has_resources():
    raise Invalid('Task must specify resources!')
  res = task.resources()
  cpu = interpolated(res.cpu(), 'cpu')
  ram = interpolated(res.ram(), 'ram')
  disk = interpolated(res.disk(), 'disk')
  if ram == 0 or disk == 0:
    raise Invalid('Must specify ram and disk resources, got ram:%r disk:%r' % (ram, disk))
  ram_mb, disk_mb = ram // schema.MB, disk // schema.MB
  if cpu <= 0 or ram_mb <= 0 or disk_mb <= 0:
    raise Invalid('Task has invalid resources. cpu/ramMb/diskMb must all be positive: '
                  'cpu:%r ramMb:%r diskMb:%r' % (cpu, ram_mb, disk_mb))
  instances = interpolated(job.instances(), 'instances')
  service = interpolated(job.service(), 'service')

  # Ports: the task's references plus the announcer's portmap, as the client requests them.
  ports = port_names(task)
  if job.has_announce():
    portmap = job.announce().portmap().get()
    for name, target in portmap.items():
      seen = set()
      while target in portmap and target not in seen:
        seen.add(target)
        target = portmap[target]
      ports.add(target)

  underlying, refs = job.interpolate()
  checked = underlying.bind(mesos={'instance': 31337, 'hostname': ''})
  if not checked.check().ok():
    raise Invalid('Job not fully specified: %s' % checked.check().message())
  unbound = [r for r in refs if r not in RUNTIME_REFS and not Ref.subscope(PORT_SCOPE, r)]
  if unbound:
    raise Invalid('Config contains unbound variables: %s' % ' '.join(map(str, unbound)))

  # What the executor does on the host for one instance.
  port_map = dict((name, FIRST_PORT + i) for i, name in enumerate(sorted(ports)))
  bound = underlying.bind(
      mesos=schema.MesosContext(instance=instance, hostname='host-%d' % instance),
      thermos=schema.ThermosContext(ports=port_map, task_id='task-%d' % instance, user=key['role']))
  final, left = bound.task().interpolate()
  if left:
    raise Invalid('unbound references after binding instance %d: %s' % (
        instance, ' '.join(map(str, left))))
  if not final.check().ok():
    raise Invalid('task does not type-check: %s' % final.check().message())
  final = final.get()

  health = underlying.health_check_config().get() if underlying.has_health_check_config() else None
  announce = underlying.announce().get() if underlying.has_announce() else None
  return {
      'job_key': key_text,
      'cluster': key['cluster'],
      'role': key['role'],
      'environment': key['environment'],
      'name': key['name'],
      'instances': instances,
      'service': service,
      'resources': {'cpu': cpu, 'ram_bytes': ram, 'disk_bytes': disk, 'ram_mb': ram_mb,
                    'disk_mb': disk_mb},
      'ports': sorted(ports),
      'task': {
          'name': final['name'],
          'constraints': final['constraints'],
          'processes': [{'name': p['name'], 'cmdline': p['cmdline'],
                         'max_failures': p['max_failures']} for p in final['processes']],
      },
      'announce': announce,
      'health_check_config': health,
  }


def main(argv):
  args = list(argv[1:])
  job_key, instance, bindings = None, 0, []
  while '--bind' in args:
    i = args.index('--bind')
    name, sep, value = args[i + 1].partition('=')
    if not sep:
      sys.stderr.write('error: --bind %s: expected NAME=VALUE\n' % args[i + 1])
      return 2
    bindings.append({Ref.from_address(name): value})
    del args[i:i + 2]
  if '--job-key' in args:
    i = args.index('--job-key')
    job_key = args[i + 1]
    del args[i:i + 2]
  if '--instance' in args:
    i = args.index('--instance')
    instance = int(args[i + 1])
    del args[i:i + 2]
  if len(args) != 1:
    sys.stderr.write(__doc__)
    return 2
  try:
    result = load(args[0], job_key, instance, bindings)
  except Invalid as e:
    sys.stderr.write('error: %s\n' % e)
    return 1
  json.dump(result, sys.stdout, indent=2, sort_keys=True)
  sys.stdout.write('\n')
  return 0


if __name__ == '__main__':
  sys.exit(main(sys.argv))
