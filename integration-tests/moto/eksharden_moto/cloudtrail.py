"""CloudTrail: a new trail records what AWS's trails record by default."""

from moto.cloudtrail.models import Trail

from .registry import gap, replaces

DEFAULT_SELECTORS = gap("trail_default_event_selectors", """a new trail records management events, reads
    and writes, until other event selectors are put, as in CloudTrail (moto's new trail had no
    selector at all, so it seemed to record nothing)""")


@replaces(Trail, "__init__", DEFAULT_SELECTORS)
def _trail_init(self, *args, **kwargs):
    _trail_init.original(self, *args, **kwargs)
    self.event_selectors = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}]
