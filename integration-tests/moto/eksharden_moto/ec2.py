"""EC2 as eksharden reads it back: tags, rules, endpoints, instances (and the Auto Scaling groups
that launch them) and IPv6 as EC2 keeps them."""

import copy

from moto.autoscaling.models import FakeAutoScalingGroup
from moto.ec2.models import EC2Backend
from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend
from moto.ec2.models.instances import Instance, MetadataOptions
from moto.ec2.models.security_groups import SecurityGroupRule
from moto.ec2.models.subnets import SubnetBackend
from moto.ec2.models.tags import TagBackend
from moto.ec2.responses.instances import InstanceResponse

from .registry import gap, replaces

TAGS = gap("tags_go_with_their_resource", """EC2 tags go with their resource (moto's DescribeTags kept
    listing the tags of deleted resources)""")

_TAGGED_KINDS = {
    "vpc-": lambda backend, i: i in backend.vpcs,
    "subnet-": lambda backend, i: i in {s.id for s in backend.describe_subnets()},
    "sg-": lambda backend, i: backend.get_security_group_from_id(i) is not None,
    "rtb-": lambda backend, i: i in backend.route_tables,
    "acl-": lambda backend, i: i in backend.network_acls,
    "igw-": lambda backend, i: i in backend.internet_gateways,
    "nat-": lambda backend, i: i in backend.nat_gateways,
    "vpce-": lambda backend, i: i in backend.vpc_end_points,
    "fl-": lambda backend, i: i in backend.flow_logs,
    "lt-": lambda backend, i: i in backend.launch_templates,
    "eni-": lambda backend, i: i in backend.enis,
    "eipalloc-": lambda backend, i: any(a.allocation_id == i for a in backend.addresses),
}


def _still_exists(backend, resource_id):
    for prefix, exists in _TAGGED_KINDS.items():
        if resource_id.startswith(prefix):
            return exists(backend, resource_id)
    if resource_id.replace(".", "").isdigit():  # moto files an EIP's tags under its address
        return any(a.public_ip == resource_id for a in backend.addresses)
    return True


@replaces(TagBackend, "describe_tags", TAGS)
def _describe_tags(self, filters=None):
    return [t for t in _describe_tags.original(self, filters) if _still_exists(self, t["resource_id"])]


REVOKE_BY_GROUP = gap("revoke_ingress_by_group", """RevokeSecurityGroupIngress finds a rule from a
    security group by the group, whatever its description, as EC2 does (moto compared the whole
    source entry, so a described rule could not be revoked by group id)""")


@replaces(SecurityGroupRule, "__eq__", REVOKE_BY_GROUP)
def _rule_eq(self, other):
    if not isinstance(other, SecurityGroupRule):
        return NotImplemented
    if self.source_group and other.source_group:
        if self.source_group.get("GroupId") != other.source_group.get("GroupId"):
            return False
        mine, theirs = copy.copy(self), copy.copy(other)
        mine.source_group, theirs.source_group = {}, {}
        return _rule_eq.original(mine, theirs)
    return _rule_eq.original(self, other)


ENDPOINT_INTERFACES = gap("endpoint_interfaces", """an interface VPC endpoint's network interfaces
    carry the endpoint's security groups and an address of their subnet (moto gave them the default
    group and a random 10.x address)""")


@replaces(EC2Backend, "create_vpc_endpoint", ENDPOINT_INTERFACES)
def _create_vpc_endpoint(self, *args, **kwargs):
    endpoint = _create_vpc_endpoint.original(self, *args, **kwargs)
    if (endpoint.vpc_endpoint_type or "").lower() == "interface":
        groups = [self.get_security_group_from_id(g) for g in (kwargs.get("security_group_ids") or [])]
        for eni_id in endpoint.network_interface_ids:
            eni = self.enis[eni_id]
            eni.private_ip_address = self.get_subnet(eni.subnet.id).get_available_subnet_ip(eni)
            eni._group_set = [g for g in groups if g is not None]
    return endpoint


LAUNCHED = gap("launched_instance_settings", """instances get what they are launched with: from a
    launch template (by an Auto Scaling group), its metadata options and instance profile (moto left
    IMDSv1 allowed and no profile); from RunInstances with a profile, the profile on every instance
    of the call (moto gave it to the first only)""")


@replaces(EC2Backend, "run_instances", LAUNCHED)
def _run_instances(self, *args, **kwargs):
    reservation = _run_instances.original(self, *args, **kwargs)
    named, arn = kwargs.get("iam_instance_profile_name"), kwargs.get("iam_instance_profile_arn")
    if named or arn:
        # moto's response associates the first instance itself, after this returns.
        for instance in reservation.instances[1:]:
            self.associate_iam_instance_profile(instance.id, iam_instance_profile_name=named, iam_instance_profile_arn=arn)
    template_ref = kwargs.get("launch_template")
    if template_ref:
        data = self._get_template_from_args(template_ref).data
        options = data.get("MetadataOptions")
        profile = data.get("IamInstanceProfile") or {}
        for instance in reservation.instances:
            if options:
                instance.metadata_options = MetadataOptions(options)
            if profile.get("Arn") or profile.get("Name"):
                self.associate_iam_instance_profile(instance.id, iam_instance_profile_name=profile.get("Name"),
                                                   iam_instance_profile_arn=profile.get("Arn"))
    return reservation


DEFAULT_ACL_IPV6 = gap("default_acl_ipv6", """a VPC that gets an IPv6 block gets IPv6 entries on its
    default network ACL (allow ::/0 at 101, the IPv6 `*` deny at 32768), as in EC2 (moto's default
    ACL dropped all IPv6 traffic)""")


def _allow_ipv6_on_default_acl(backend, vpc_id):
    for acl in list(backend.network_acls.values()):
        if acl.vpc_id != vpc_id or not acl.default:
            continue
        if any(entry.ipv6_cidr_block for entry in acl.network_acl_entries):
            continue
        for rule_number, action in ((101, "allow"), (32768, "deny")):
            for egress in (False, True):
                backend.create_network_acl_entry(
                    network_acl_id=acl.id, rule_number=rule_number, protocol="-1", rule_action=action,
                    egress=egress, cidr_block=None, icmp_code=None, icmp_type=None,
                    port_range_from=None, port_range_to=None, ipv6_cidr_block="::/0",
                )


@replaces(EC2Backend, "create_vpc", DEFAULT_ACL_IPV6)
def _create_vpc(self, *args, **kwargs):
    vpc = _create_vpc.original(self, *args, **kwargs)
    if kwargs.get("amazon_provided_ipv6_cidr_block"):
        _allow_ipv6_on_default_acl(self, vpc.id)
    return vpc


@replaces(EC2Backend, "associate_vpc_cidr_block", DEFAULT_ACL_IPV6)
def _associate_vpc_cidr_block(self, vpc_id, cidr_block, amazon_provided_ipv6_cidr_block):
    association = _associate_vpc_cidr_block.original(self, vpc_id, cidr_block, amazon_provided_ipv6_cidr_block)
    if amazon_provided_ipv6_cidr_block:
        _allow_ipv6_on_default_acl(self, vpc_id)
    return association


INTERFACE_IPV6 = gap("interface_ipv6_on_creation", """an interface made in a subnet that assigns IPv6
    on creation gets an IPv6 address, as in EC2 (moto gave one only when a count was asked for)""")


@replaces(NetworkInterfaceBackend, "create_network_interface", INTERFACE_IPV6)
def _create_network_interface(self, subnet, *args, **kwargs):
    asked = kwargs.get("ipv6_address_count") or kwargs.get("ipv6_addresses")
    if not asked and getattr(subnet, "assign_ipv6_address_on_creation", False) and subnet.ipv6_cidr_block_associations:
        kwargs["ipv6_address_count"] = 1
    return _create_network_interface.original(self, subnet, *args, **kwargs)


MIXED_INSTANCES = gap("mixed_instances_policy_types", """an Auto Scaling group with a mixed instances
    policy launches instances of its overrides' types (moto launched them with no type at all)""")


@replaces(FakeAutoScalingGroup, "instance_type", MIXED_INSTANCES)
def _group_instance_type(self):
    overrides = ((self.mixed_instances_policy or {}).get("LaunchTemplate") or {}).get("Overrides") or []
    if overrides and overrides[0].get("InstanceType"):
        return overrides[0]["InstanceType"]
    return _group_instance_type.original(self)


IMAGE_VOLUMES = gap("mapping_of_an_image_volume", """a block device mapping that sets only how a volume of
    the image is kept (encryption, type; no size and no snapshot) gets the image's volume, as in
    EC2: Bottlerocket's OS volume is mapped that way (moto refused the mapping; its images all have
    one 8 GiB volume, so such a volume is 8 GiB)""")
MOTO_IMAGE_VOLUME_GIB = 8


@replaces(Instance, "add_block_device", IMAGE_VOLUMES)
def _add_block_device(self, size, device_path, snapshot_id, *args, **kwargs):
    if size is None and snapshot_id is None:
        size = MOTO_IMAGE_VOLUME_GIB
    return _add_block_device.original(self, size, device_path, snapshot_id, *args, **kwargs)


@replaces(InstanceResponse, "_validate_block_device_mapping", IMAGE_VOLUMES)
def _validate_block_device_mapping(device_mapping):
    ebs = device_mapping.get("Ebs") or {}
    if "Ebs" in device_mapping and not ebs.get("VolumeSize") and not ebs.get("SnapshotId"):
        return
    _validate_block_device_mapping.original(device_mapping)


SUBNET_ACL = gap("subnet_acl_association_goes", """a deleted subnet leaves its network ACL's associations, as
    in EC2 (moto kept listing it on the ACL it had)""")


@replaces(SubnetBackend, "delete_subnet", SUBNET_ACL)
def _delete_subnet(self, subnet_id):
    subnet = _delete_subnet.original(self, subnet_id)
    for acl in self.network_acls.values():
        for key in [k for k, a in acl._associations.items() if a.subnet_id == subnet_id]:
            del acl._associations[key]
    return subnet
