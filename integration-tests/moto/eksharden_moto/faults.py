"""Faults and delays the tests ask for through the environment of the server:

- EKSHARDEN_MOTO_FAIL_RESOURCE="LogicalId:reason": every resource with that logical id fails to
  create (the stack then rolls back as `stacks` makes it);
- EKSHARDEN_MOTO_STACK_SECONDS=N: each new stack stays CREATE_IN_PROGRESS for N seconds after its
  resources exist, as real stacks take time (for benchmarks).
"""

import os
import time

from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend, Stack

from .registry import gap, replaces
from .stacks import ResourceFailed

INJECTED = gap("injected_resource_failure", """a failure injected by name
    (EKSHARDEN_MOTO_FAIL_RESOURCE), for the tests of failed stacks: moto has no way to make a
    resource fail""")
_injected_failure = os.environ.get("EKSHARDEN_MOTO_FAIL_RESOURCE", "")


@replaces(parsing, "parse_and_create_resource", INJECTED)
def _fail_by_name(logical_id, resource_json, *args, **kwargs):
    failing_id, _, reason = _injected_failure.partition(":")
    if failing_id and logical_id == failing_id:
        resource_type = resource_json.get("Type", "") if isinstance(resource_json, dict) else ""
        raise ResourceFailed(logical_id, resource_type, reason or "failure injected by the test harness")
    return _fail_by_name.original(logical_id, resource_json, *args, **kwargs)


DELAYED = gap("stacks_take_time", """stacks that take time (EKSHARDEN_MOTO_STACK_SECONDS), for the
    deploy benchmark: moto completes a stack in the call that creates it""")
_stack_seconds = float(os.environ.get("EKSHARDEN_MOTO_STACK_SECONDS", "0"))


@replaces(Stack, "create_resources", DELAYED)
def _delayed_create_resources(self):
    _delayed_create_resources.original(self)
    if _stack_seconds > 0 and self.status == "CREATE_COMPLETE":
        self.status = "CREATE_IN_PROGRESS"
        self.eksharden_ready_at = time.monotonic() + _stack_seconds


@replaces(CloudFormationBackend, "describe_stacks", DELAYED)
def _describe_stacks(self, name_or_stack_id):
    for stack in self.stacks.values():
        ready_at = getattr(stack, "eksharden_ready_at", None)
        if ready_at is not None and time.monotonic() >= ready_at:
            stack.eksharden_ready_at = None
            stack.mark_creation_complete()
    return _describe_stacks.original(self, name_or_stack_id)
