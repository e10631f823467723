"""What the areas share: moto's backends by account and region, and the base of the
CloudFormation resource types this package adds."""

import random
import string

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.eks.models import eks_backends
from moto.iam.models import iam_backends


def suffix(n=8):
    """A random id part, as AWS makes them."""
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=n))


def is_true(value):
    """A CloudFormation boolean (given as a bool or as text)."""
    return str(value).lower() == "true"


def ec2(account_id, region_name):
    """moto's EC2 backend."""
    return ec2_backends[account_id][region_name]


def eks(account_id, region_name):
    """moto's EKS backend."""
    return eks_backends[account_id][region_name]


def iam(account_id):
    """moto's IAM backend (global)."""
    return iam_backends[account_id]["aws"]


class Resource(CloudFormationModel):
    """A resource this package adds: remembers its physical id and attributes for Ref and GetAtt.

    moto builds its map of CloudFormation types from the direct subclasses of
    CloudFormationModel; the types added here are put in that map by `stacks`."""

    ATTRIBUTES = ()

    def __init__(self, physical_id, attributes=None):
        self._physical_id = physical_id
        self._attributes = attributes or {}

    @property
    def physical_resource_id(self):
        return self._physical_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attr):
        return self._attributes[attr]

    @staticmethod
    def cloudformation_name_type():
        return ""
