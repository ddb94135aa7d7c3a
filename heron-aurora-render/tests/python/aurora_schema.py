"""Our own re-statement, in pystachio, of the part of Apache Aurora's job schema a Heron job uses.

This is NOT Aurora's code. Aurora's client loads a job file by executing it with its schema
names in scope (Process, Task, Resources, Job, ...), all pystachio Structs. Aurora is not
installable from PyPI, so the tests declare the same structs here, with the field types and
defaults Aurora's schema gives them (apache/aurora, src/main/python/apache/thermos/config/
schema_base.py and src/main/python/apache/aurora/config/schema/base.py), to load rendered job
files the way Aurora would. Fields a Heron job never sets are declared anyway when they carry a
default, because Aurora would fill them in.
"""

from pystachio import (Boolean, Choice, Default, Empty, Enum, Float, Integer, List, Map, Required,
                       String, Struct)

MB = 1024 * 1024
GB = 1024 * MB


# --- Thermos: what runs inside one instance ------------------------------------------------------

class ThermosContext(Struct):
  """What Thermos binds as {{thermos.*}} on the host."""
  ports = Map(String, Integer)
  task_id = String
  user = String


class Resources(Struct):
  cpu = Required(Float)
  ram = Required(Integer)    # bytes
  disk = Required(Integer)   # bytes
  gpu = Default(Integer, 0)


class Constraint(Struct):
  order = List(String)


class RotatePolicy(Struct):
  log_size = Default(Integer, 100 * MB)
  backups = Default(Integer, 5)


LoggerDestination = Enum('file', 'console', 'both', 'none')
LoggerMode = Enum('standard', 'rotate')


class Logger(Struct):
  destination = Default(LoggerDestination, LoggerDestination('file'))
  mode = Default(LoggerMode, LoggerMode('standard'))
  rotate = RotatePolicy


class Process(Struct):
  name = Required(String)
  cmdline = Required(String)
  resources = Resources
  max_failures = Default(Integer, 1)
  daemon = Default(Boolean, False)
  ephemeral = Default(Boolean, False)
  min_duration = Default(Integer, 5)
  final = Default(Boolean, False)
  logger = Default(Logger, Empty)


class Task(Struct):
  name = Default(String, '{{processes[0].name}}')
  processes = List(Process)
  constraints = Default(List(Constraint), [])
  resources = Resources
  max_failures = Default(Integer, 1)
  max_concurrency = Default(Integer, 0)
  finalization_wait = Default(Integer, 30)
  user = String


def order(*processes):
  """One constraint that runs the processes in the order given."""
  names = [p.name() if isinstance(p, Process) else p for p in processes]
  return [Constraint(order=names)]


def SequentialTask(*args, **kw):
  """A Task whose processes run one after the other, as Aurora's helper of that name builds it."""
  task = Task(*args, **kw)
  if task.constraints() is not Empty and task.constraints() != List(Constraint)([]):
    raise ValueError('Cannot turn a Task with existing constraints into a SequentialTask!')
  if task.processes() is Empty:
    return task
  return task(constraints=order(*task.processes()))


# --- Aurora: the job around the task -------------------------------------------------------------

class MesosContext(Struct):
  """What the executor binds as {{mesos.*}}."""
  instance = Required(Integer)
  hostname = Required(String)


class QueueUpdateStrategy(Struct):
  batch_size = Default(Integer, 1)


class BatchUpdateStrategy(Struct):
  batch_size = Default(Integer, 1)
  autopause_after_batch = Default(Boolean, False)


class VariableBatchUpdateStrategy(Struct):
  batch_sizes = Required(List(Integer))
  autopause_after_batch = Default(Boolean, False)


class UpdateConfig(Struct):
  batch_size = Default(Integer, 1)
  watch_secs = Default(Integer, 45)
  max_per_shard_failures = Default(Integer, 0)
  max_total_failures = Default(Integer, 0)
  rollback_on_failure = Default(Boolean, True)
  wait_for_batch_completion = Default(Boolean, False)
  pulse_interval_secs = Integer
  sla_aware = Default(Boolean, False)
  update_strategy = Choice([QueueUpdateStrategy, BatchUpdateStrategy, VariableBatchUpdateStrategy])


class HttpHealthChecker(Struct):
  endpoint = Default(String, '/health')
  expected_response = Default(String, 'ok')
  expected_response_code = Default(Integer, 0)


class ShellHealthChecker(Struct):
  shell_command = Required(String)


class HealthCheckerConfig(Struct):
  http = HttpHealthChecker
  shell = ShellHealthChecker


class HealthCheckConfig(Struct):
  health_checker = Default(HealthCheckerConfig, HealthCheckerConfig(http=HttpHealthChecker()))
  initial_interval_secs = Default(Float, 15.0)
  interval_secs = Default(Float, 10.0)
  max_consecutive_failures = Default(Integer, 0)
  min_consecutive_successes = Default(Integer, 1)
  timeout_secs = Default(Float, 1.0)


class HttpLifecycleConfig(Struct):
  port = Default(String, 'health')
  graceful_shutdown_endpoint = Default(String, '/quitquitquit')
  shutdown_endpoint = Default(String, '/abortabortabort')
  graceful_shutdown_wait_secs = Default(Integer, 5)
  shutdown_wait_secs = Default(Integer, 5)


class LifecycleConfig(Struct):
  http = HttpLifecycleConfig


class Announcer(Struct):
  primary_port = Default(String, 'http')
  portmap = Default(Map(String, String), {'aurora': '{{primary_port}}'})
  zk_path = String


class Metadata(Struct):
  key = Required(String)
  value = Required(String)


class ExecutorConfig(Struct):
  name = Default(String, 'AuroraExecutor')
  data = Default(String, '')


class PartitionPolicy(Struct):
  reschedule = Default(Boolean, True)
  delay_secs = Default(Integer, 0)


class MesosJob(Struct):
  name = Default(String, '{{task.name}}')
  role = Required(String)
  contact = String
  cluster = Required(String)
  environment = Required(String)
  instances = Default(Integer, 1)
  task = Required(Task)
  announce = Announcer
  tier = String
  cron_schedule = String
  cron_collision_policy = Default(String, 'KILL_EXISTING')
  update_config = Default(UpdateConfig, UpdateConfig())
  constraints = Map(String, String)
  metadata = Default(List(Metadata), [])
  service = Default(Boolean, False)
  max_task_failures = Default(Integer, 1)
  production = Default(Boolean, False)
  priority = Default(Integer, 0)
  health_check_config = Default(HealthCheckConfig, HealthCheckConfig())
  lifecycle = Default(LifecycleConfig, LifecycleConfig(http=HttpLifecycleConfig()))
  task_links = Map(String, String)
  executor_config = Default(ExecutorConfig, ExecutorConfig())
  enable_hooks = Default(Boolean, False)
  partition_policy = PartitionPolicy


Job = MesosJob
Service = Job(service=True)
