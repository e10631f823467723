"""The package's record, read in the test process (importing the package patches this process's
moto too, which the tests do not use: they talk to the server)."""

import eksharden_moto
from eksharden_moto.registry import CLOUDFORMATION_TYPES


def gap_types():
    """The CloudFormation types the package adds."""
    return {t.cloudformation_type() for t in CLOUDFORMATION_TYPES}


def gap_ids():
    """The ids of every recorded gap."""
    return [g.id for g in eksharden_moto.GAPS]
