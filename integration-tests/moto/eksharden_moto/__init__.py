"""eksharden's AWS emulator: the moto server, extended so that eksharden's templates create what
they describe and stacks succeed and fail the way CloudFormation's do.

Importing the package closes every gap it records (see `registry` and the README's generated
list), by area: `cfn_types` (resource types and properties), `stacks` (stack behaviour), `ec2`,
`cloudtrail` (a new trail's default event selectors),
`eks` (clusters, node groups, access entries), `eks_workloads` (add-ons, Pod
Identity, Fargate, Auto Mode), `iam_sts` (the EKS token's STS and IAM), `server`
and `faults` (failures and delays a test asks for). Import it before the server starts: moto
builds its map of CloudFormation types once.
"""

import moto

PINNED_MOTO = "5.2.5"
"""The moto version the gaps were found in (python-requirements.txt pins the same)."""

if moto.__version__ != PINNED_MOTO:
    raise ImportError(f"eksharden_moto is written against moto {PINNED_MOTO}, not {moto.__version__}: recheck each gap")

from . import cfn_types, cloudtrail, ec2, eks, eks_workloads, faults, iam_sts, server, stacks  # noqa: E402,F401
from .registry import GAPS, markdown  # noqa: E402,F401
