"""Extends the moto server so that eksharden's templates create what they describe, and so
that stacks succeed and fail the way CloudFormation's do.

moto's CloudFormation silently skips resource types it does not know and ignores parts of
some it does. This plugin registers the missing types against moto's own EC2, EKS and IAM
backends, so that the state a test reads back through the EC2 and EKS APIs is the state
the template asked for:

- AWS::EC2::NetworkAcl (with its `*` deny entries), NetworkAclEntry, SubnetNetworkAclAssociation
- AWS::EC2::SecurityGroupEgress, and inline SecurityGroupEgress on AWS::EC2::SecurityGroup
  (which, as in real CloudFormation, replaces the default allow-all egress rule)
- AWS::EC2::SecurityGroupIngress with prefix lists, descriptions and protocol -1
- AWS::KMS::Key tags in CloudFormation's Key/Value form (moto reads the KMS API's form), and
  its policy kept as a JSON document (moto kept the template's object, and DescribeKey failed
  on it); a stack's key scheduled for deletion with the stack, as CloudFormation does (moto
  removed it at once)
- the public SSM parameters of the EKS-optimized AMIs, which moto does not publish
- AWS::IAM::Role ManagedPolicyArns (moto ignores them), detached again on deletion, and
  inline Policies stored as JSON (moto kept the Python text of the dict, which IAM's own
  validation then rejects when the document is reused)
- AWS::EKS::Cluster, AWS::EKS::Nodegroup, AWS::EKS::AccessEntry

and makes stacks behave as CloudFormation does where moto differs:

- a resource that fails leaves a CREATE_FAILED event naming it and its reason, and the stack
  rolls back to ROLLBACK_COMPLETE (moto answers HTTP 500 and leaves the stack half made);
- termination protection blocks DeleteStack, and UpdateTerminationProtection exists;
- each request is handled whole before the next (moto's backends are shared dictionaries);
- CreateStack is atomic: two calls with one name at once make one stack, and the other is
  answered AlreadyExistsException (moto checked the name, then built the stack, so both
  calls passed the check and two stacks of one name fought over the same resources);
- a stack whose deletion fails stays, as DELETE_FAILED;
- list parameters are described as the comma-separated text they were given;
- deleting a stack deletes what it made: moto has no deletion for internet gateways and
  their attachments, route tables, routes and their subnet associations, EIPs, NAT
  gateways, VPC endpoints and flow logs, so a network stack could never be deleted;
- EC2 tags go with their resource (moto's DescribeTags kept listing deleted resources);
- a subnet's route-table association shows in DescribeRouteTables, as in EC2;
- RevokeSecurityGroupIngress finds a rule from a security group by the group, whatever its
  description (moto compared the whole source entry, so a described rule could not be revoked
  by group id, as EC2 allows);
- deleting a managed node group terminates its own instances only (moto's instance filters
  ignore tags, so every running instance went with it);
- a node group without remote access reports none (moto invented an SSH key and a
  remote-access security group that does not exist); one with remote access gets the real
  security group EKS makes (port 22 from the source groups given, else from anywhere);
  deleting a node group deletes that group and terminates the group's instances, as EKS does;
- AssociateEncryptionConfig (secrets encryption with a KMS key, once per cluster);
- TagResource on node groups (moto tagged clusters only);
- an interface VPC endpoint's network interfaces carry the endpoint's security groups and an
  address of their subnet (moto gave them the default group and a random 10.x address);
- instances launched from a launch template (by an Auto Scaling group) get the template's
  metadata options (moto left IMDSv1 allowed);
- the EKS access-entry API: List, Describe, Create, Update and DeleteAccessEntry, over the
  entries the AWS::EKS::AccessEntry resources and the API create (one per principal; groups
  starting with `system:` refused, as EKS does; access policies are kept from CloudFormation
  but the Associate/DisassociateAccessPolicy calls are not served);
- a presigned request (an EKS token replayed against STS) goes to the service of its
  X-Amz-Credential scope and is made by that access key (moto sent it to S3, and took every
  such caller for a default user);
- a presigned GetCallerIdentity made with credentials moto issued (an assumed role, an IAM
  user's key) must carry a valid SigV4 signature, or STS answers SignatureDoesNotMatch (moto
  checked no signature; keys moto never issued are still taken on trust);
- a cluster, made through CloudFormation or the EKS API, comes with what EKS creates: the
  VPC id in its configuration, the cluster security group and the control-plane ENIs,
  which go with it when it is deleted;
- a cluster or node group made without a Kubernetes version gets a version EKS offers
  today (1.35); moto gave 1.19, which EKS has not offered for years;
- UpdateClusterConfig changes the fields it is given (moto replaced the whole VPC
  configuration, losing the subnets and security groups);
- AssumeRole needs the role to exist and its trust policy to let the caller in (moto let
  anybody assume anything, so "nobody may assume it" could not be shown);
- a VPC that gets an IPv6 block gets IPv6 entries on its default network ACL (allow ::/0 at
  101, the IPv6 `*` deny), as in EC2 (moto's default ACL dropped all IPv6 traffic);
- a stack's tags, and CloudFormation's aws:cloudformation:* tags, go on the EKS clusters and
  node groups it makes, as on its EC2 resources;
- inline security-group ingress with IPv6 blocks, prefix lists and descriptions;
- a managed node group given a launch template without a version takes the template's
  default version, which it reports; AWS::EC2::SubnetCidrBlock;
- IPv6 through CloudFormation: Fn::Cidr, GetAtt Ipv6CidrBlocks of a VPC and of a subnet,
  AWS::EC2::VPCCidrBlock, AWS::EC2::EgressOnlyInternetGateway, a subnet's Ipv6CidrBlock and
  AssignIpv6AddressOnCreation, routes to ::/0, security-group rules with CidrIpv6, and an
  EKS IPv6 cluster with the service block EKS assigns (GetAtt
  KubernetesNetworkConfig.ServiceIpv6Cidr);
- an interface made in a subnet that assigns IPv6 on creation gets an IPv6 address.

For tests of failures, EKSHARDEN_MOTO_FAIL_RESOURCE="LogicalId:reason" makes every resource
with that logical id fail to create. For benchmarks, EKSHARDEN_MOTO_STACK_SECONDS=N keeps
each new stack CREATE_IN_PROGRESS for N seconds after its resources exist, as real stacks
take time.

moto builds its map of CloudFormation types once, from the direct subclasses of
CloudFormationModel; importing this module before the server starts puts these types in it.
"""

import ipaddress
import json
import os
import random
import string
import threading
import time

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, BaseResponse
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.security_groups import SecurityGroup
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.tags import TagBackend
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.eks import urls as eks_urls
from moto.eks.exceptions import InvalidParameterException, ResourceInUseException, ResourceNotFoundException
from moto.eks.models import EKSBackend, eks_backends
from moto.eks.responses import EKSResponse
from moto.ec2.models import EC2Backend
from moto.ec2.models.instances import MetadataOptions
from moto.iam.models import Role as IamRole
from moto.iam.models import iam_backends
from moto.kms.models import Key as KmsKey, kms_backends

# moto's model metaclass files every model under the service named by its module path
# (`moto.<service>`); the classes below are filed under "eksharden".
__name__ = "moto.eksharden"  # noqa: A001


def _suffix(n=8):
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=n))


def _ports(rule):
    """moto wants from/to ports; protocol -1 rules have none."""
    if str(rule.get("IpProtocol")) == "-1":
        return None, None
    return rule.get("FromPort"), rule.get("ToPort")


def _rule_args(rule, peer_group_key, prefix_list_key):
    from_port, to_port = _ports(rule)
    peer = rule.get(peer_group_key)
    description = rule.get("Description")
    return dict(
        ip_protocol=str(rule["IpProtocol"]),
        from_port=from_port,
        to_port=to_port,
        ip_ranges=[{"CidrIp": rule["CidrIp"], "Description": description}] if rule.get("CidrIp")
        else [{"CidrIpv6": rule["CidrIpv6"], "Description": description}] if rule.get("CidrIpv6") else [],
        source_groups=[{"GroupId": peer, "Description": description}] if peer else [],
        prefix_list_ids=[{"PrefixListId": rule[prefix_list_key], "Description": description}] if rule.get(prefix_list_key) else [],
    )


class _Resource(CloudFormationModel):
    """A plugin resource: remembers its physical id and attributes for Ref and GetAtt."""

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


class NetworkAcl(_Resource):
    ATTRIBUTES = ("Id",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::NetworkAcl"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        ec2 = ec2_backends[account_id][region_name]
        acl = ec2.create_network_acl(props["VpcId"], tags=props.get("Tags", []))
        # Every network ACL ends with the `*` entries that deny what no rule allows.
        for egress in (False, True):
            ec2.create_network_acl_entry(acl.id, "32767", "-1", "deny", egress, "0.0.0.0/0", None, None, None, None, None)
        return cls(acl.id, {"Id": acl.id})

    def delete(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_network_acl(self._physical_id)


class NetworkAclEntry(_Resource):
    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::NetworkAclEntry"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        ec2 = ec2_backends[account_id][region_name]
        ports = props.get("PortRange", {})
        egress = str(props.get("Egress", False)).lower() == "true"
        ec2.create_network_acl_entry(
            network_acl_id=props["NetworkAclId"],
            rule_number=str(props["RuleNumber"]),
            protocol=str(props["Protocol"]),
            rule_action=props["RuleAction"],
            egress=egress,
            cidr_block=props.get("CidrBlock"),
            icmp_code=None,
            icmp_type=None,
            port_range_from=str(ports["From"]) if "From" in ports else None,
            port_range_to=str(ports["To"]) if "To" in ports else None,
            ipv6_cidr_block=props.get("Ipv6CidrBlock"),
        )
        resource = cls(f"{props['NetworkAclId']}|{props['RuleNumber']}|{egress}")
        resource.entry = (props["NetworkAclId"], str(props["RuleNumber"]), egress)
        return resource

    def delete(self, account_id, region_name):
        acl_id, rule_number, egress = self.entry
        ec2 = ec2_backends[account_id][region_name]
        if acl_id in ec2.network_acls:
            ec2.delete_network_acl_entry(acl_id, rule_number, egress)


class SubnetNetworkAclAssociation(_Resource):
    ATTRIBUTES = ("AssociationId",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::SubnetNetworkAclAssociation"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        ec2 = ec2_backends[account_id][region_name]
        current = _association_of(ec2, props["SubnetId"])
        association = ec2.replace_network_acl_association(current, props["NetworkAclId"])
        resource = cls(association.id, {"AssociationId": association.id})
        resource.subnet_id = props["SubnetId"]
        return resource

    def delete(self, account_id, region_name):
        # Back to the VPC's default ACL, as EC2 does when the association goes; with the
        # subnet already gone, the association goes with it.
        ec2 = ec2_backends[account_id][region_name]
        if self.subnet_id not in {s.id for s in ec2.describe_subnets()}:
            for acl in ec2.network_acls.values():
                for association_id, association in list(acl._associations.items()):
                    if association.subnet_id == self.subnet_id:
                        acl._associations.pop(association_id)
            return
        subnet = ec2.get_subnet(self.subnet_id)
        default = next(a for a in ec2.network_acls.values() if a.vpc_id == subnet.vpc_id and a.default)
        ec2.replace_network_acl_association(_association_of(ec2, self.subnet_id), default.id)


def _association_of(ec2, subnet_id):
    for acl in ec2.network_acls.values():
        for association_id, association in acl._associations.items():
            if association.subnet_id == subnet_id:
                return association_id
    raise KeyError(f"subnet {subnet_id} has no network ACL association")


class _SecurityGroupRule(_Resource):
    """A separate ingress or egress rule; subclasses name the direction's keys and calls."""

    TYPE = PEER_GROUP_KEY = PREFIX_LIST_KEY = AUTHORIZE = REVOKE = ""

    @classmethod
    def cloudformation_type(cls):
        return cls.TYPE

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        args = _rule_args(props, cls.PEER_GROUP_KEY, cls.PREFIX_LIST_KEY)
        getattr(ec2_backends[account_id][region_name], cls.AUTHORIZE)(group_name_or_id=props["GroupId"], **args)
        resource = cls(f"{props['GroupId']}-{cls.__name__.lower()}-{_suffix()}")
        resource.rule = (props["GroupId"], args)
        return resource

    def delete(self, account_id, region_name):
        group_id, args = self.rule
        ec2 = ec2_backends[account_id][region_name]
        # A rule goes with its group, and with the group it refers to.
        groups = [group_id] + [peer["GroupId"] for peer in args["source_groups"]]
        if all(ec2.get_security_group_from_id(g) is not None for g in groups):
            getattr(ec2, self.REVOKE)(group_name_or_id=group_id, **args)


class SecurityGroupEgress(_SecurityGroupRule):
    TYPE = "AWS::EC2::SecurityGroupEgress"
    PEER_GROUP_KEY = "DestinationSecurityGroupId"
    PREFIX_LIST_KEY = "DestinationPrefixListId"
    AUTHORIZE = "authorize_security_group_egress"
    REVOKE = "revoke_security_group_egress"


class PluginSecurityGroupIngress(_SecurityGroupRule):
    """Replaces moto's type: prefix lists, descriptions on group peers, protocol -1."""

    TYPE = "AWS::EC2::SecurityGroupIngress"
    PEER_GROUP_KEY = "SourceSecurityGroupId"
    PREFIX_LIST_KEY = "SourcePrefixListId"
    AUTHORIZE = "authorize_security_group_ingress"
    REVOKE = "revoke_security_group_ingress"


_original_security_group_create = SecurityGroup.create_from_cloudformation_json.__func__


def _security_group_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """moto's SecurityGroup, plus inline rules as EC2 takes them: ingress with IPv6 blocks,
    prefix lists and descriptions (moto read only an IPv4 block or a group), and egress
    (listing egress rules replaces the default)."""
    properties = dict(cloudformation_json["Properties"])
    ingress = properties.pop("SecurityGroupIngress", [])
    template = dict(cloudformation_json, Properties=properties)
    group = _original_security_group_create(cls, resource_name, template, account_id, region_name, **kwargs)
    ec2 = ec2_backends[account_id][region_name]
    for rule in ingress:
        ec2.authorize_security_group_ingress(group_name_or_id=group.id, **_rule_args(rule, "SourceSecurityGroupId", "SourcePrefixListId"))
    egress = properties.get("SecurityGroupEgress")
    if egress is not None:
        ec2.revoke_security_group_egress(
            group_name_or_id=group.id, ip_protocol="-1", from_port=None, to_port=None,
            ip_ranges=[{"CidrIp": "0.0.0.0/0"}], source_groups=[], prefix_list_ids=[],
        )
        for rule in egress:
            ec2.authorize_security_group_egress(group_name_or_id=group.id, **_rule_args(rule, "DestinationSecurityGroupId", "DestinationPrefixListId"))
    return group


SecurityGroup.create_from_cloudformation_json = classmethod(_security_group_create)


_original_parse_ssm_parameter = parsing.ResourceMap.parse_ssm_parameter
EKS_AMI_PARAMETERS = "/aws/service/eks/optimized-ami/"


def _parse_ssm_parameter(self, value, value_type):
    """AWS publishes the EKS-optimized AMI ids as public SSM parameters; moto does not, so
    they resolve to an Amazon Linux image of moto's own catalogue."""
    if value.startswith(EKS_AMI_PARAMETERS):
        amis = ec2_backends[self._account_id][self._region_name].amis.values()
        return next(a.id for a in sorted(amis, key=lambda a: a.id) if "amzn" in (a.name or "") or "Amazon Linux" in (a.description or ""))
    return _original_parse_ssm_parameter(self, value, value_type)


parsing.ResourceMap.parse_ssm_parameter = _parse_ssm_parameter

_original_role_create = IamRole.create_from_cloudformation_json.__func__
_original_role_delete = IamRole.delete_from_cloudformation_json.__func__


def _iam(account_id):
    return iam_backends[account_id]["aws"]


def _role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    role = _original_role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    for arn in cloudformation_json["Properties"].get("ManagedPolicyArns", []):
        _iam(account_id).attach_role_policy(arn, role.name)
    # Inline policies as the JSON IAM keeps (moto stored the Python text of the dict).
    for policy in cloudformation_json["Properties"].get("Policies", []):
        document = policy["PolicyDocument"]
        role.policies[policy["PolicyName"]] = document if isinstance(document, str) else json.dumps(document)
    return role


def _role_delete(cls, resource_name, cloudformation_json, account_id, region_name):
    role = next((r for r in _iam(account_id).roles.values() if r.name == resource_name), None)
    if role is not None:
        for policy in list(role.managed_policies.values()):
            policy.detach_from(role)
    _original_role_delete(cls, resource_name, cloudformation_json, account_id, region_name)


IamRole.create_from_cloudformation_json = classmethod(_role_create)
IamRole.delete_from_cloudformation_json = classmethod(_role_delete)

_original_kms_key_create = KmsKey.create_from_cloudformation_json.__func__


def _kms_key_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = dict(cloudformation_json["Properties"])
    properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])]
    # A key policy is a JSON document, as the KMS API keeps it (moto kept the template's
    # object, and every later call that checks the policy failed with a server error).
    if isinstance(properties.get("KeyPolicy"), dict):
        properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
    key = _original_kms_key_create(cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kwargs)
    key.eksharden_pending_window = int(properties.get("PendingWindowInDays", 30))
    return key


def _kms_key_delete(self, account_id, region_name):
    """A stack's key is scheduled for deletion (30 days unless PendingWindowInDays says
    otherwise), as CloudFormation does; moto removed it at once."""
    window = getattr(self, "eksharden_pending_window", 30)
    kms_backends[account_id][region_name].schedule_key_deletion(self.id, window)


KmsKey.create_from_cloudformation_json = classmethod(_kms_key_create)
KmsKey.delete = _kms_key_delete


def _network_config(network, name):
    """The cluster's Kubernetes network: IPv4 with its service block, or IPv6 with a /108
    EKS assigns from fd00::/8 (unique local), as EKS does."""
    if str(network.get("IpFamily", "ipv4")).lower() == "ipv6":
        block = ipaddress.ip_network("fd00::/8")
        chosen = ipaddress.ip_network((int(block.network_address) + (random.getrandbits(64) << 20), 108))
        return {"ipFamily": "ipv6", "serviceIpv6Cidr": str(chosen)}
    return {"serviceIpv4Cidr": network.get("ServiceIpv4Cidr", "172.20.0.0/16"), "ipFamily": "ipv4"}


class EksCluster(_Resource):
    """The cluster, made through the EKS backend (which adds what EKS creates with it)."""

    ATTRIBUTES = (
        "Arn", "Endpoint", "CertificateAuthorityData", "ClusterSecurityGroupId", "EncryptionConfigKeyArn",
        "OpenIdConnectIssuerUrl", "KubernetesNetworkConfig.ServiceIpv6Cidr",
    )

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::Cluster"

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        name = props.get("Name", resource_name)
        eks = eks_backends[account_id][region_name]
        vpc_config = props["ResourcesVpcConfig"]
        tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        logging_types = [t["Type"] for t in props.get("Logging", {}).get("ClusterLogging", {}).get("EnabledTypes", [])]
        network = props.get("KubernetesNetworkConfig", {})
        config = {
            "subnetIds": list(vpc_config["SubnetIds"]),
            "securityGroupIds": list(vpc_config.get("SecurityGroupIds", [])),
            "endpointPublicAccess": _bool(vpc_config.get("EndpointPublicAccess", True)),
            "endpointPrivateAccess": _bool(vpc_config.get("EndpointPrivateAccess", False)),
        }
        if "PublicAccessCidrs" in vpc_config:
            config["publicAccessCidrs"] = list(vpc_config["PublicAccessCidrs"])
        cluster = eks.create_cluster(
            name=name,
            role_arn=props["RoleArn"],
            resources_vpc_config=config,
            version=props.get("Version"),
            kubernetes_network_config=_network_config(network, name),
            logging={"clusterLogging": [{"types": logging_types, "enabled": True}] if logging_types else []},
            tags=tags,
            encryption_config=[
                {"resources": c.get("Resources", []), "provider": {"keyArn": c.get("Provider", {}).get("KeyArn")}}
                for c in props.get("EncryptionConfig", [])
            ],
        )
        access = props.get("AccessConfig", {})
        cluster.access_config = {
            "authenticationMode": access.get("AuthenticationMode", "CONFIG_MAP"),
            "bootstrapClusterCreatorAdminPermissions": _bool(access.get("BootstrapClusterCreatorAdminPermissions", True)),
        }
        keys = [c.get("Provider", {}).get("KeyArn") for c in props.get("EncryptionConfig", [])]
        return cls(name, {
            "Arn": cluster.arn,
            "Endpoint": cluster.endpoint,
            "CertificateAuthorityData": cluster.certificate_authority["data"],
            "ClusterSecurityGroupId": cluster.resources_vpc_config["clusterSecurityGroupId"],
            "EncryptionConfigKeyArn": keys[0] if keys else "",
            "OpenIdConnectIssuerUrl": cluster.identity["oidc"]["issuer"],
            "KubernetesNetworkConfig.ServiceIpv6Cidr": cluster.kubernetes_network_config.get("serviceIpv6Cidr", ""),
        })

    def delete(self, account_id, region_name):
        eks = eks_backends[account_id][region_name]
        if self._physical_id in eks.clusters:
            eks.delete_cluster(self._physical_id)


_original_create_cluster = EKSBackend.create_cluster


def _create_cluster(self, name, resources_vpc_config, **kwargs):
    """What EKS makes with a cluster, however it is asked for: the VPC id in its configuration,
    the cluster security group (all traffic from itself, all traffic out), the endpoint
    defaults, and the cross-account control-plane ENIs."""
    ec2 = _ec2(self.account_id, self.region_name)
    config = dict(resources_vpc_config or {})
    subnets = list(config.get("subnetIds", []))
    vpc_id = ec2.get_subnet(subnets[0]).vpc_id
    cluster_sg = ec2.create_security_group(
        name=f"eks-cluster-sg-{name}-{_suffix(10)}",
        description="EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.",
        vpc_id=vpc_id,
    )
    cluster_sg.add_tags({"aws:eks:cluster-name": name, f"kubernetes.io/cluster/{name}": "owned", "Name": f"eks-cluster-sg-{name}"})
    ec2.authorize_security_group_ingress(
        group_name_or_id=cluster_sg.id, ip_protocol="-1", from_port=None, to_port=None,
        ip_ranges=[], source_groups=[{"GroupId": cluster_sg.id}],
    )
    public = _bool(config.get("endpointPublicAccess", True))
    config.update({
        "subnetIds": subnets,
        "securityGroupIds": list(config.get("securityGroupIds", [])),
        "clusterSecurityGroupId": cluster_sg.id,
        "vpcId": vpc_id,
        "endpointPublicAccess": public,
        "endpointPrivateAccess": _bool(config.get("endpointPrivateAccess", False)),
        "publicAccessCidrs": list(config.get("publicAccessCidrs") or (["0.0.0.0/0"] if public else [])),
    })
    cluster = _original_create_cluster(self, name=name, resources_vpc_config=config, **kwargs)
    enis = []
    for subnet_id in subnets[:2]:
        eni = ec2.create_network_interface(
            subnet=ec2.get_subnet(subnet_id),
            private_ip_address=None,
            group_ids=[cluster_sg.id] + config["securityGroupIds"],
            description=f"Amazon EKS {name}",
        )
        enis.append(eni.id)
    cluster.eksharden_owned = (cluster_sg.id, enis)
    return cluster


EKSBackend.create_cluster = _create_cluster

_original_delete_cluster = EKSBackend.delete_cluster


def _delete_cluster(self, name):
    """Deleting a cluster deletes what EKS made with it."""
    cluster = _original_delete_cluster(self, name)
    ec2 = _ec2(self.account_id, self.region_name)
    group_id, enis = getattr(cluster, "eksharden_owned", (None, []))
    for eni in enis:
        ec2.delete_network_interface(eni)
    if group_id and ec2.get_security_group_from_id(group_id) is not None:
        ec2.delete_security_group(group_id=group_id)
    return cluster


EKSBackend.delete_cluster = _delete_cluster


def _bool(value):
    return str(value).lower() == "true"


def _launch_template(account_id, region_name, template):
    """A node group's launch template; one named without a version takes the template's
    default version, which EKS then reports (moto kept the text "None")."""
    if not template:
        return None
    version = template.get("Version")
    if version is None:
        ec2 = ec2_backends[account_id][region_name]
        found = ec2.get_launch_template(template["Id"]) if template.get("Id") else ec2.get_launch_template_by_name(template["Name"])
        version = found.default_version_number
    reference = {"version": str(version)}
    reference.update({"id": template["Id"]} if template.get("Id") else {"name": template.get("Name")})
    return reference


class EksNodegroup(_Resource):
    ATTRIBUTES = ("Arn", "ClusterName", "NodegroupName")

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::Nodegroup"

    @staticmethod
    def cloudformation_name_type():
        return "NodegroupName"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        eks = eks_backends[account_id][region_name]
        name = props.get("NodegroupName", resource_name)
        scaling = props.get("ScalingConfig", {})
        template = props.get("LaunchTemplate")
        nodegroup = eks.create_nodegroup(
            cluster_name=props["ClusterName"],
            node_role=props["NodeRole"],
            nodegroup_name=name,
            subnets=list(props["Subnets"]),
            scaling_config={k[0].lower() + k[1:]: int(v) for k, v in scaling.items()},
            instance_types=props.get("InstanceTypes"),
            ami_type=props.get("AmiType"),
            labels=props.get("Labels") or {},
            taints=[{"key": t["Key"], "value": t.get("Value"), "effect": t["Effect"]} for t in props.get("Taints", [])],
            tags=props.get("Tags") or {},
            launch_template=_launch_template(account_id, region_name, template),
            capacity_type=props.get("CapacityType"),
        )
        resource = cls(f"{props['ClusterName']}/{name}", {"Arn": nodegroup.arn, "ClusterName": props["ClusterName"], "NodegroupName": name})
        resource.key = (props["ClusterName"], name)
        return resource

    def delete(self, account_id, region_name):
        eks = eks_backends[account_id][region_name]
        cluster, name = self.key
        if cluster in eks.clusters and name in eks.clusters[cluster].nodegroups:
            eks.delete_nodegroup(cluster_name=cluster, nodegroup_name=name)


class EksAccessEntry(_Resource):
    """Access entries, kept on the cluster object (moto has none); the read API below serves them."""

    ATTRIBUTES = ("AccessEntryArn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::AccessEntry"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        eks = eks_backends[account_id][region_name]
        cluster = eks.clusters[props["ClusterName"]]
        principal = props["PrincipalArn"]
        entry = new_access_entry(
            cluster,
            principal,
            groups=props.get("KubernetesGroups", []),
            kind=props.get("Type", "STANDARD"),
            username=props.get("Username"),
            policies=[
                {"policyArn": p["PolicyArn"], "accessScope": {"type": p.get("AccessScope", {}).get("Type", "cluster")}}
                for p in props.get("AccessPolicies", [])
            ],
            tags={t["Key"]: t["Value"] for t in props.get("Tags", [])},
        )
        arn = entry["accessEntryArn"]
        resource = cls(arn, {"AccessEntryArn": arn})
        resource.key = (cluster.name, principal)
        return resource

    def delete(self, account_id, region_name):
        eks = eks_backends[account_id][region_name]
        cluster, principal = self.key
        if cluster in eks.clusters:
            access_entries(eks.clusters[cluster]).pop(principal, None)


def new_access_entry(cluster, principal, groups, kind, username, policies, tags):
    """Adds an access entry to a moto cluster, refusing a second one for the principal and,
    as EKS does, Kubernetes groups that start with `system:`."""
    entries = access_entries(cluster)
    if principal in entries:
        raise ResourceInUseException(
            clusterName=cluster.name, nodegroupName=None, addonName=None,
            message=f"The specified access entry resource is already in use on this cluster: {principal}",
        )
    _check_groups(groups)
    entry = {
        "clusterName": cluster.name,
        "principalArn": principal,
        "kubernetesGroups": list(groups),
        "type": kind,
        "accessEntryArn": f"{cluster.arn.replace(':cluster/', ':access-entry/')}/{_suffix(12)}",
        "accessPolicies": policies,
        "tags": tags,
    }
    if username:
        entry["username"] = username
    entries[principal] = entry
    return entry


def _check_groups(groups):
    for group in groups:
        if group.startswith("system:"):
            raise InvalidParameterException(message=f"kubernetesGroups cannot start with system: ({group})")


def access_entries(cluster):
    """The access entries of a moto cluster, by principal ARN."""
    if not hasattr(cluster, "eksharden_access_entries"):
        cluster.eksharden_access_entries = {}
    return cluster.eksharden_access_entries


PLUGIN_TYPES = [
    NetworkAcl, NetworkAclEntry, SubnetNetworkAclAssociation, SecurityGroupEgress, PluginSecurityGroupIngress,
    EksCluster, EksNodegroup, EksAccessEntry,
]

_original_model_map = parsing.get_model_map


def _model_map():
    models = dict(_original_model_map())
    models.update({model.cloudformation_type(): model for model in PLUGIN_TYPES})
    return models


parsing.get_model_map = _model_map


class InUse(Exception):
    """A resource cannot go yet; moto's deletion loop tries it again after the others."""


def _ec2(account_id, region_name):
    return ec2_backends[account_id][region_name]


def _delete_internet_gateway(self, account_id, region_name):
    ec2 = _ec2(account_id, region_name)
    if self.id in ec2.internet_gateways:
        if self.vpc is not None:
            ec2.detach_internet_gateway(self.id, self.vpc.id)
        ec2.delete_internet_gateway(self.id)


def _delete_gateway_attachment(self, account_id, region_name):
    gateway = _ec2(account_id, region_name).internet_gateways.get(self.gateway_id)
    if gateway is not None and gateway.vpc is not None and gateway.vpc.id == self.vpc_id:
        _ec2(account_id, region_name).detach_internet_gateway(self.gateway_id, self.vpc_id)


def _delete_route_table(self, account_id, region_name):
    ec2 = _ec2(account_id, region_name)
    if self.id in ec2.route_tables:
        ec2.delete_route_table(self.id)  # refuses while subnets are associated


def _delete_route(self, account_id, region_name):
    table = _ec2(account_id, region_name).route_tables.get(self.route_table.id)
    if table is not None:
        table._routes.pop(self.id, None)


def _delete_route_table_association(self, account_id, region_name):
    table = _ec2(account_id, region_name).route_tables.get(self.route_table_id)
    if table is not None:
        for association_id, target in list(table._associations.items()):
            if target == self.subnet_id:
                table._associations.pop(association_id)


def _delete_address(self, account_id, region_name):
    ec2 = _ec2(account_id, region_name)
    if self not in ec2.addresses:
        return
    if self.eni is not None and self.eni.id in ec2.enis:
        raise InUse(f"{self.allocation_id} is still associated with {self.eni.id}")
    ec2.addresses.remove(self)


def _delete_nat_gateway(self, account_id, region_name):
    ec2 = _ec2(account_id, region_name)
    if ec2.nat_gateways.pop(self.id, None) is not None:
        ec2.enis.pop(self._eni.id, None)


def _delete_vpc_endpoint(self, account_id, region_name):
    ec2 = _ec2(account_id, region_name)
    if self.id not in ec2.vpc_end_points:
        return
    if self.vpc_endpoint_type.lower() == "interface":
        for eni_id in self.network_interface_ids:
            ec2.enis.pop(eni_id, None)
    else:
        for table_id in self.route_table_ids:
            table = ec2.route_tables.get(table_id)
            if table is not None:
                for route_id, route in list(table._routes.items()):
                    if getattr(route, "vpc_endpoint_id", None) == self.id:
                        table._routes.pop(route_id)
    ec2.vpc_end_points.pop(self.id)


def _delete_flow_log(self, account_id, region_name):
    ec2 = _ec2(account_id, region_name)
    if self.id in ec2.flow_logs:
        ec2.delete_flow_logs([self.id])


_original_route_table_association_create = SubnetRouteTableAssociation.create_from_cloudformation_json.__func__


def _route_table_association_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    association = _original_route_table_association_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json["Properties"]
    _ec2(account_id, region_name).associate_route_table(props["RouteTableId"], subnet_id=props["SubnetId"])
    return association


SubnetRouteTableAssociation.create_from_cloudformation_json = classmethod(_route_table_association_create)

InternetGateway.delete = _delete_internet_gateway
VPCGatewayAttachment.delete = _delete_gateway_attachment
RouteTable.delete = _delete_route_table
Route.delete = _delete_route
SubnetRouteTableAssociation.delete = _delete_route_table_association
ElasticAddress.delete = _delete_address
NatGateway.delete = _delete_nat_gateway
VPCEndPoint.delete = _delete_vpc_endpoint
FlowLogs.delete = _delete_flow_log


_TAGGED_KINDS = {
    "vpc-": lambda ec2, i: i in ec2.vpcs,
    "subnet-": lambda ec2, i: i in {s.id for s in ec2.describe_subnets()},
    "sg-": lambda ec2, i: ec2.get_security_group_from_id(i) is not None,
    "rtb-": lambda ec2, i: i in ec2.route_tables,
    "acl-": lambda ec2, i: i in ec2.network_acls,
    "igw-": lambda ec2, i: i in ec2.internet_gateways,
    "nat-": lambda ec2, i: i in ec2.nat_gateways,
    "vpce-": lambda ec2, i: i in ec2.vpc_end_points,
    "fl-": lambda ec2, i: i in ec2.flow_logs,
    "lt-": lambda ec2, i: i in ec2.launch_templates,
    "eni-": lambda ec2, i: i in ec2.enis,
    "eipalloc-": lambda ec2, i: any(a.allocation_id == i for a in ec2.addresses),
}


def _still_exists(ec2, resource_id):
    for prefix, exists in _TAGGED_KINDS.items():
        if resource_id.startswith(prefix):
            return exists(ec2, resource_id)
    if resource_id.replace(".", "").isdigit():  # moto files an EIP's tags under its address
        return any(a.public_ip == resource_id for a in ec2.addresses)
    return True


_original_describe_tags = TagBackend.describe_tags


def _describe_tags(self, filters=None):
    return [t for t in _original_describe_tags(self, filters) if _still_exists(self, t["resource_id"])]


TagBackend.describe_tags = _describe_tags


class ResourceFailed(Exception):
    """A resource of a stack could not be created."""

    def __init__(self, logical_id, resource_type, reason):
        super().__init__(reason)
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


_original_parse_and_create = parsing.parse_and_create_resource
_injected_failure = os.environ.get("EKSHARDEN_MOTO_FAIL_RESOURCE", "")


def _parse_and_create(logical_id, resource_json, *args, **kwargs):
    resource_type = resource_json.get("Type", "") if isinstance(resource_json, dict) else ""
    failing_id, _, reason = _injected_failure.partition(":")
    if failing_id and logical_id == failing_id:
        raise ResourceFailed(logical_id, resource_type, reason or "failure injected by the test harness")
    try:
        return _original_parse_and_create(logical_id, resource_json, *args, **kwargs)
    except ResourceFailed:
        raise
    except Exception as error:  # moto's own errors become a failed resource, as in CloudFormation
        raise ResourceFailed(logical_id, resource_type, f"{type(error).__name__}: {error}") from error


parsing.parse_and_create_resource = _parse_and_create

_original_create_resources = Stack.create_resources


def _create_resources(self):
    try:
        _original_create_resources(self)
    except ResourceFailed as failure:
        self.events.append(Event(
            stack_id=self.stack_id, stack_name=self.name, logical_resource_id=failure.logical_id,
            physical_resource_id="", resource_type=failure.resource_type, resource_status="CREATE_FAILED",
            resource_status_reason=failure.reason, resource_properties=None,
        ))
        self._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=f"The following resource(s) failed to create: [{failure.logical_id}]. Rollback requested by user.")
        try:
            self.resource_map.delete()
        except Exception:  # what cannot be rolled back stays, as in CloudFormation
            pass
        # A rolled-back stack has no outputs (moto would re-create resources to compute them).
        self.output_map = _NoOutputs()
        self.status = "ROLLBACK_COMPLETE"
        self._add_stack_event("ROLLBACK_COMPLETE")


Stack.create_resources = _create_resources

_stack_seconds = float(os.environ.get("EKSHARDEN_MOTO_STACK_SECONDS", "0"))
_original_describe_stacks = CloudFormationBackend.describe_stacks


def _delayed_create_resources(self):
    _create_resources(self)
    if self.status == "CREATE_COMPLETE":
        self.status = "CREATE_IN_PROGRESS"
        self.eksharden_ready_at = time.monotonic() + _stack_seconds


def _describe_stacks(self, name_or_stack_id):
    """Stacks kept in progress complete once their time is up."""
    for stack in self.stacks.values():
        ready_at = getattr(stack, "eksharden_ready_at", None)
        if ready_at is not None and time.monotonic() >= ready_at:
            stack.eksharden_ready_at = None
            stack.mark_creation_complete()
    return _original_describe_stacks(self, name_or_stack_id)


if _stack_seconds > 0:
    Stack.create_resources = _delayed_create_resources
    CloudFormationBackend.describe_stacks = _describe_stacks


class _NoOutputs(dict):
    """The outputs of a stack that has none."""

    exports = []

import moto.eks.models as _eks_models  # noqa: E402

_eks_models.DEFAULT_KUBERNETES_VERSION = "1.35"

import copy  # noqa: E402

from moto.ec2.models.security_groups import SecurityGroupRule  # noqa: E402

_original_rule_eq = SecurityGroupRule.__eq__


def _rule_eq(self, other):
    if not isinstance(other, SecurityGroupRule):
        return NotImplemented
    if self.source_group and other.source_group:
        if self.source_group.get("GroupId") != other.source_group.get("GroupId"):
            return False
        mine, theirs = copy.copy(self), copy.copy(other)
        mine.source_group, theirs.source_group = {}, {}
        return _original_rule_eq(mine, theirs)
    return _original_rule_eq(self, other)


SecurityGroupRule.__eq__ = _rule_eq

_original_create_stack = CloudFormationBackend.create_stack
_create_stack_lock = threading.Lock()


def _create_stack(self, name, *args, **kwargs):
    with _create_stack_lock:
        return _original_create_stack(self, name, *args, **kwargs)


CloudFormationBackend.create_stack = _create_stack

_original_delete_stack = CloudFormationBackend.delete_stack


def _find_stack(backend, name_or_id):
    return next((s for s in backend.stacks.values() if name_or_id in (s.stack_id, s.name)), None)


def _delete_stack(self, name_or_stack_id):
    stack = _find_stack(self, name_or_stack_id)
    if stack is None:
        return
    if stack.enable_termination_protection:
        raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
    try:
        _original_delete_stack(self, stack.stack_id)
    except Exception as error:
        self.deleted_stacks.pop(stack.stack_id, None)
        self.stacks[stack.stack_id] = stack
        stack.status = "DELETE_FAILED"
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=f"{type(error).__name__}: {error}")


CloudFormationBackend.delete_stack = _delete_stack


def _parameter_list(self):
    """Parameters as CloudFormation describes them: a list parameter is the comma-separated
    text it was given (moto would show the Python list it parsed it into)."""
    hidden = self.resource_map.no_echo_parameter_keys
    return [
        {"ParameterKey": k, "ParameterValue": "****" if k in hidden else (",".join(map(str, v)) if isinstance(v, list) else v)}
        for k, v in self.resource_map.resolved_parameters.items()
    ]


Stack.parameter_list = property(_parameter_list)


def _update_termination_protection(self):
    stack = _find_stack(self.cloudformation_backend, self._get_param("StackName"))
    if stack is None:
        raise ValidationError(self._get_param("StackName"))
    stack.enable_termination_protection = str(self._get_param("EnableTerminationProtection")).lower() == "true"
    return ActionResult({"StackId": stack.stack_id})


CloudFormationResponse.update_termination_protection = _update_termination_protection


_original_create_vpc_endpoint = EC2Backend.create_vpc_endpoint


def _create_vpc_endpoint(self, *args, **kwargs):
    """Interface endpoints' ENIs as EC2 makes them: in their subnet, with the endpoint's groups."""
    endpoint = _original_create_vpc_endpoint(self, *args, **kwargs)
    if (endpoint.vpc_endpoint_type or "").lower() == "interface":
        groups = [self.get_security_group_from_id(g) for g in (kwargs.get("security_group_ids") or [])]
        for eni_id in endpoint.network_interface_ids:
            eni = self.enis[eni_id]
            eni.private_ip_address = self.get_subnet(eni.subnet.id).get_available_subnet_ip(eni)
            eni._group_set = [g for g in groups if g is not None]
    return endpoint


EC2Backend.create_vpc_endpoint = _create_vpc_endpoint


_original_run_instances = EC2Backend.run_instances


def _run_instances(self, *args, **kwargs):
    """Instances take their launch template's metadata options, as in EC2."""
    reservation = _original_run_instances(self, *args, **kwargs)
    template_ref = kwargs.get("launch_template")
    if template_ref:
        options = self._get_template_from_args(template_ref).data.get("MetadataOptions")
        if options:
            for instance in reservation.instances:
                instance.metadata_options = MetadataOptions(options)
    return reservation


EC2Backend.run_instances = _run_instances


def _cluster_or_raise(response):
    name = response._get_param("name")
    cluster = response.eks_backend.clusters.get(name)
    if cluster is None:
        raise ResourceNotFoundException(
            clusterName=name, nodegroupName=None, fargateProfileName=None, addonName=None,
            message=f"No cluster found for name: {name}.",
        )
    return cluster


def _list_access_entries(self):
    entries = sorted(access_entries(_cluster_or_raise(self)))
    return ActionResult({"accessEntries": entries})


def _describe_access_entry(self):
    cluster = _cluster_or_raise(self)
    principal = self._get_param("principalArn")
    entry = access_entries(cluster).get(principal)
    if entry is None:
        raise ResourceNotFoundException(
            clusterName=cluster.name, nodegroupName=None, fargateProfileName=None, addonName=None,
            message=f"The specified principalArn could not be found: {principal}",
        )
    return ActionResult({"accessEntry": entry})


def _create_access_entry(self):
    cluster = _cluster_or_raise(self)
    entry = new_access_entry(
        cluster,
        self._get_param("principalArn"),
        groups=self._get_param("kubernetesGroups") or [],
        kind=self._get_param("type") or "STANDARD",
        username=self._get_param("username"),
        policies=[],
        tags=self._get_param("tags") or {},
    )
    return ActionResult({"accessEntry": entry})


def _update_access_entry(self):
    cluster = _cluster_or_raise(self)
    entry = _describe_access_entry(self).data["accessEntry"]
    groups = self._get_param("kubernetesGroups")
    if groups is not None:
        _check_groups(groups)
        entry["kubernetesGroups"] = list(groups)
    if self._get_param("username"):
        entry["username"] = self._get_param("username")
    access_entries(cluster)[entry["principalArn"]] = entry
    return ActionResult({"accessEntry": entry})


def _delete_access_entry(self):
    cluster = _cluster_or_raise(self)
    entry = _describe_access_entry(self).data["accessEntry"]
    access_entries(cluster).pop(entry["principalArn"])
    return ActionResult({})


EKSResponse.list_access_entries = _list_access_entries
EKSResponse.describe_access_entry = _describe_access_entry
EKSResponse.create_access_entry = _create_access_entry
EKSResponse.update_access_entry = _update_access_entry
EKSResponse.delete_access_entry = _delete_access_entry
eks_urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries$"] = eks_urls.response.dispatch
eks_urls.url_paths["{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$"] = eks_urls.response.dispatch


_original_update_cluster_config = EKSBackend.update_cluster_config


def _update_cluster_config(self, name, resources_vpc_config, *args, **kwargs):
    """Merges the VPC settings given into the cluster's, as EKS does."""
    cluster = self.clusters.get(name)
    if cluster is not None and resources_vpc_config:
        resources_vpc_config = {**cluster.resources_vpc_config, **resources_vpc_config}
    return _original_update_cluster_config(self, name, resources_vpc_config, *args, **kwargs)


EKSBackend.update_cluster_config = _update_cluster_config


_original_get_access_key = BaseResponse.get_access_key


def _get_access_key(self):
    """The caller of a presigned request is the key in its X-Amz-Credential parameter."""
    credential = self.querystring.get("X-Amz-Credential")
    if "Authorization" not in self.headers and credential:
        return credential[0].split("/")[0]
    return _original_get_access_key(self)


BaseResponse.get_access_key = _get_access_key


from urllib.parse import parse_qs  # noqa: E402

from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

_original_infer_service = DomainDispatcherApplication.infer_service_region_host


def _infer_service_region_host(self, environ, path):
    """A presigned request names its service in the credential scope of its query."""
    credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential")
    if not environ.get("HTTP_AUTHORIZATION") and credential and len(credential[0].split("/")) == 5:
        environ = {**environ, "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={credential[0]}, SignedHeaders=host, Signature=0"}
    return _original_infer_service(self, environ, path)


DomainDispatcherApplication.infer_service_region_host = _infer_service_region_host

_request_lock = threading.Lock()
_original_dispatch = DomainDispatcherApplication.__call__


def _one_request_at_a_time(self, environ, start_response):
    """Each request is handled whole before the next starts, as AWS makes each call atomic.
    moto's backends are plain dictionaries shared by the server's threads: two clients at
    once (the race tests run two eksharden processes) could see a stack half made, or make
    one twice."""
    with _request_lock:
        return _original_dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _one_request_at_a_time


import hashlib  # noqa: E402
import hmac  # noqa: E402
from urllib.parse import quote  # noqa: E402

from moto.iam.models import iam_backends as _iam_backends  # noqa: E402
from moto.sts.exceptions import STSClientError  # noqa: E402
from moto.sts.models import sts_backends  # noqa: E402
from moto.sts.responses import TokenResponse  # noqa: E402


def _holder_of(response, access_key):
    """The assumed-role session or IAM user moto issued `access_key` to: (role, user), one None."""
    role = sts_backends[response.current_account][response.partition].get_assumed_role_from_access_key(access_key)
    if role is not None:
        return role, None
    return None, _iam_backends[response.current_account][response.partition].get_user_from_access_key_id(access_key)


def _secret_of(response, access_key):
    """The secret of a key moto issued, or None."""
    role, user = _holder_of(response, access_key)
    if role is not None:
        return role.secret_access_key
    if user is not None:
        return next((k.secret_access_key for k in user.access_keys if k.access_key_id == access_key), None)
    return None


def _presigned_signature(response, secret):
    """SigV4 of a presigned GET, recomputed from the request as it arrived."""
    pairs = []
    for name, values in response.querystring.items():
        if name != "X-Amz-Signature":
            pairs.extend((name, v) for v in values)
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))
    signed = response.querystring["X-Amz-SignedHeaders"][0].split(";")
    headers = "".join(f"{h}:{response.headers.get(h, '').strip()}\n" for h in signed)
    canonical = "\n".join(["GET", "/", query, headers, ";".join(signed), hashlib.sha256(b"").hexdigest()])
    date = response.querystring["X-Amz-Date"][0]
    scope = response.querystring["X-Amz-Credential"][0].split("/", 1)[1]
    to_sign = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


_original_get_caller_identity = TokenResponse.get_caller_identity


def _get_caller_identity(self):
    signature = self.querystring.get("X-Amz-Signature")
    if signature:
        secret = _secret_of(self, self.get_access_key())
        if secret is not None and not hmac.compare_digest(_presigned_signature(self, secret), signature[0]):
            raise STSClientError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
    return _original_get_caller_identity(self)


TokenResponse.get_caller_identity = _get_caller_identity


import uuid  # noqa: E402

from moto.eks.models import Nodegroup  # noqa: E402

_original_nodegroup_init = Nodegroup.__init__


def _nodegroup_init(self, *args, **kwargs):
    """Remote access only when asked for, with the security group EKS makes for it."""
    _original_nodegroup_init(self, *args, **kwargs)
    remote = kwargs.get("remote_access")
    self.resources.pop("remoteAccessSecurityGroup")
    if not remote:
        self.remote_access = None
        return
    ec2 = _ec2(kwargs["account_id"], kwargs["region_name"])
    vpc_id = ec2.get_subnet(kwargs["subnets"][0]).vpc_id
    group = ec2.create_security_group(
        name=f"eks-remoteAccess-{self.uuid}",
        description="Security group for all nodes in the nodeGroup to allow SSH access",
        vpc_id=vpc_id,
    )
    sources = remote.get("sourceSecurityGroups") or []
    ec2.authorize_security_group_ingress(
        group_name_or_id=group.id, ip_protocol="tcp", from_port=22, to_port=22,
        ip_ranges=[] if sources else [{"CidrIp": "0.0.0.0/0"}],
        source_groups=[{"GroupId": s} for s in sources],
    )
    self.resources["remoteAccessSecurityGroup"] = group.id


Nodegroup.__init__ = _nodegroup_init

_original_delete_nodegroup = EKSBackend.delete_nodegroup


def _delete_nodegroup(self, cluster_name, nodegroup_name):
    """Terminates the group's instances and deletes its remote-access group, as EKS does."""
    nodegroup = _original_delete_nodegroup(self, cluster_name, nodegroup_name)
    ec2 = _ec2(self.account_id, self.region_name)
    # By the group's tags, matched here: moto's instance filters ignore tags, so every
    # running instance went with any node group.
    member = {"eks:cluster-name": cluster_name, "eks:nodegroup-name": nodegroup_name}
    doomed = [
        i.id
        for i in ec2.all_instances()
        if i._state.name in ("pending", "running")
        and member.items() <= {t["key"]: t["value"] for t in i.get_tags()}.items()
    ]
    if doomed:
        ec2.terminate_instances(doomed)
    group = nodegroup.resources.get("remoteAccessSecurityGroup")
    if group and ec2.get_security_group_from_id(group) is not None:
        ec2.delete_security_group(group_id=group)
    return nodegroup


EKSBackend.delete_nodegroup = _delete_nodegroup


def _associate_encryption_config(self):
    """Secrets encryption, which EKS lets a cluster take once and never give up."""
    cluster = _cluster_or_raise(self)
    if cluster.encryption_config:
        raise InvalidParameterException(message="Encryption is already enabled on the cluster")
    cluster.encryption_config = self._get_param("encryptionConfig")
    update = {"id": str(uuid.uuid4()), "status": "Successful", "type": "AssociateEncryptionConfig",
              "params": [], "errors": []}
    return ActionResult({"update": update})


EKSResponse.associate_encryption_config = _associate_encryption_config
eks_urls.url_paths["{0}/clusters/(?P<name>[^/]+)/encryption-config/associate$"] = eks_urls.response.dispatch


import fnmatch  # noqa: E402
from urllib.parse import unquote  # noqa: E402


def _caller_arns(response):
    """The ARNs a trust policy may name for the caller: its own, and its role's when it is an
    assumed-role session."""
    role, user = _holder_of(response, response.get_access_key())
    if role is not None:
        return [role.arn, role.role_arn]
    if user is not None:
        return [user.arn]
    return [f"arn:aws:sts::{response.current_account}:user/moto"]


def _listed(value):
    return value if isinstance(value, list) else [value]


def _trusts(document, callers):
    """Whether a trust policy lets one of `callers` assume the role: an Allow statement for
    sts:AssumeRole names the caller, its account or `*`, and no such Deny does. Conditions
    are not evaluated."""
    allowed = False
    for statement in _listed(json.loads(document).get("Statement", [])):
        actions = [a.lower() for a in _listed(statement.get("Action", []))]
        if not any(fnmatch.fnmatch("sts:assumerole", a) for a in actions):
            continue
        principal = statement.get("Principal", {})
        named = ["*"] if principal == "*" else _listed(principal.get("AWS", []))
        accounts = {c.split(":")[4] for c in callers}
        matches = any(
            p == "*" or p in callers or p in accounts or p in {f"arn:aws:iam::{a}:root" for a in accounts}
            for p in named
        )
        if matches and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or (matches and statement.get("Effect") == "Allow")
    return allowed


_original_assume_role = TokenResponse.assume_role


def _assume_role(self):
    """AssumeRole as STS does it: the role must exist and its trust policy must let the caller in."""
    role_arn = self._get_param("RoleArn")
    callers = _caller_arns(self)
    try:
        role = _iam_backends[role_arn.split(":")[4]][self.partition].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 (moto raises its own IAMNotFoundException)
        role = None
    if role is None or not _trusts(unquote(role.assume_role_policy_document), callers):
        raise STSClientError(
            "AccessDenied",
            f"User: {callers[0]} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
        )
    return _original_assume_role(self)


TokenResponse.assume_role = _assume_role


_original_tag_resource = EKSBackend.tag_resource


def _tag_resource(self, resource_arn, tags):
    """TagResource on node groups too (moto tagged clusters only)."""
    for cluster in self.clusters.values():
        for nodegroup in cluster.nodegroups.values():
            if nodegroup.arn == resource_arn:
                nodegroup.tags.update(tags)
                return None
    return _original_tag_resource(self, resource_arn, tags)


EKSBackend.tag_resource = _tag_resource


# ---- IPv6 on a VPC's default network ACL.

_original_create_vpc = EC2Backend.create_vpc
_original_associate_vpc_cidr_block = EC2Backend.associate_vpc_cidr_block


def _allow_ipv6_on_default_acl(backend, vpc_id):
    """EC2 adds IPv6 entries to a VPC's default ACL when the VPC gets an IPv6 block: allow
    everything from and to ::/0 (rule 101) and the IPv6 `*` deny (32768). moto added none,
    so the default ACL of a dual-stack VPC dropped all IPv6 traffic."""
    for acl in list(backend.network_acls.values()):
        if acl.vpc_id != vpc_id or not acl.default:
            continue
        if any(entry.ipv6_cidr_block for entry in acl.network_acl_entries):
            continue
        for rule_number, action in ((101, "allow"), (32768, "deny")):
            for egress in (False, True):
                backend.create_network_acl_entry(
                    network_acl_id=acl.id,
                    rule_number=rule_number,
                    protocol="-1",
                    rule_action=action,
                    egress=egress,
                    cidr_block=None,
                    icmp_code=None,
                    icmp_type=None,
                    port_range_from=None,
                    port_range_to=None,
                    ipv6_cidr_block="::/0",
                )


def _create_vpc(self, *args, **kwargs):
    vpc = _original_create_vpc(self, *args, **kwargs)
    if kwargs.get("amazon_provided_ipv6_cidr_block"):
        _allow_ipv6_on_default_acl(self, vpc.id)
    return vpc


def _associate_vpc_cidr_block(self, vpc_id, cidr_block, amazon_provided_ipv6_cidr_block):
    association = _original_associate_vpc_cidr_block(self, vpc_id, cidr_block, amazon_provided_ipv6_cidr_block)
    if amazon_provided_ipv6_cidr_block:
        _allow_ipv6_on_default_acl(self, vpc_id)
    return association


EC2Backend.create_vpc = _create_vpc
EC2Backend.associate_vpc_cidr_block = _associate_vpc_cidr_block


# ---- IPv6 through CloudFormation: Fn::Cidr, the VPC's and a subnet's IPv6 blocks,
# AWS::EC2::VPCCidrBlock, AWS::EC2::EgressOnlyInternetGateway, routes and rules for ::/0,
# and interfaces that get an IPv6 address where their subnet assigns one.

import itertools  # noqa: E402

from moto.ec2.models.subnets import Subnet  # noqa: E402
from moto.ec2.models.vpcs import VPC  # noqa: E402
from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend  # noqa: E402

_original_clean_json = parsing.clean_json


def _clean_json(resource_json, resources_map):
    """Fn::Cidr, which moto did not know: `count` blocks of `bits` host bits from a block."""
    if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
        block, count, bits = (_clean_json(part, resources_map) for part in resource_json["Fn::Cidr"])
        network = ipaddress.ip_network(block)
        blocks = network.subnets(new_prefix=network.max_prefixlen - int(bits))
        return [str(b) for b in itertools.islice(blocks, int(count))]
    return _original_clean_json(resource_json, resources_map)


parsing.clean_json = _clean_json

_original_vpc_attribute = VPC.get_cfn_attribute


def _vpc_attribute(self, attribute_name):
    if attribute_name == "Ipv6CidrBlocks":
        return [a["cidr_block"] for a in self.get_cidr_block_association_set(ipv6=True)]
    return _original_vpc_attribute(self, attribute_name)


VPC.get_cfn_attribute = _vpc_attribute

_original_subnet_create = Subnet.create_from_cloudformation_json.__func__
_original_subnet_attribute = Subnet.get_cfn_attribute


def _subnet_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """A subnet's Ipv6CidrBlock, AssignIpv6AddressOnCreation and MapPublicIpOnLaunch."""
    subnet = _original_subnet_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json["Properties"]
    ec2 = ec2_backends[account_id][region_name]
    if props.get("Ipv6CidrBlock"):
        ec2.associate_subnet_cidr_block(subnet.id, props["Ipv6CidrBlock"])
    if _bool(props.get("AssignIpv6AddressOnCreation", False)):
        subnet.assign_ipv6_address_on_creation = True
    if _bool(props.get("MapPublicIpOnLaunch", False)):
        subnet.map_public_ip_on_launch = True
    return subnet


def _subnet_attribute(self, attribute_name):
    if attribute_name == "Ipv6CidrBlocks":
        return [a["ipv6CidrBlock"] for a in self.ipv6_cidr_block_associations.values()]
    return _original_subnet_attribute(self, attribute_name)


Subnet.create_from_cloudformation_json = classmethod(_subnet_create)
Subnet.get_cfn_attribute = _subnet_attribute


class VpcCidrBlock(_Resource):
    """AWS::EC2::VPCCidrBlock: an Amazon-provided IPv6 block (or an IPv4 one) on a VPC."""

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::VPCCidrBlock"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        ec2 = ec2_backends[account_id][region_name]
        amazon = _bool(props.get("AmazonProvidedIpv6CidrBlock", False))
        association = ec2.associate_vpc_cidr_block(props["VpcId"], props.get("CidrBlock"), amazon)
        resource = cls(association["association_id"])
        resource.vpc_id = props["VpcId"]
        return resource

    def delete(self, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        if self.vpc_id in ec2.vpcs:
            ec2.disassociate_vpc_cidr_block(self._physical_id)


class EgressOnlyInternetGateway(_Resource):
    """AWS::EC2::EgressOnlyInternetGateway."""

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::EgressOnlyInternetGateway"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        ec2 = ec2_backends[account_id][region_name]
        gateway = ec2.create_egress_only_internet_gateway(vpc_id=cloudformation_json["Properties"]["VpcId"])
        return cls(gateway.id)

    def delete(self, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        if self._physical_id in ec2.egress_only_internet_gateways:
            ec2.delete_egress_only_internet_gateway(self._physical_id)


PLUGIN_TYPES.extend([VpcCidrBlock, EgressOnlyInternetGateway])

_original_create_network_interface = NetworkInterfaceBackend.create_network_interface


def _create_network_interface(self, subnet, *args, **kwargs):
    """An interface made in a subnet that assigns IPv6 on creation gets an IPv6 address, as
    in EC2 (moto gave one only when a count was asked for)."""
    asked = kwargs.get("ipv6_address_count") or kwargs.get("ipv6_addresses")
    if not asked and getattr(subnet, "assign_ipv6_address_on_creation", False) and subnet.ipv6_cidr_block_associations:
        kwargs["ipv6_address_count"] = 1
    return _original_create_network_interface(self, subnet, *args, **kwargs)


NetworkInterfaceBackend.create_network_interface = _create_network_interface

_original_route_create = Route.create_from_cloudformation_json.__func__


def _route_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """A route to an IPv6 destination (moto's CloudFormation route read only IPv4 ones)."""
    props = cloudformation_json["Properties"]
    if not props.get("DestinationIpv6CidrBlock"):
        return _original_route_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    return ec2_backends[account_id][region_name].create_route(
        route_table_id=props["RouteTableId"],
        destination_cidr_block=None,
        destination_ipv6_cidr_block=props["DestinationIpv6CidrBlock"],
        gateway_id=props.get("GatewayId"),
        egress_only_igw_id=props.get("EgressOnlyInternetGatewayId"),
        nat_gateway_id=props.get("NatGatewayId"),
        interface_id=props.get("NetworkInterfaceId"),
    )


Route.create_from_cloudformation_json = classmethod(_route_create)


class SubnetCidrBlock(_Resource):
    """AWS::EC2::SubnetCidrBlock: an IPv6 block on a subnet (eksctl's `autoAllocateIPv6`)."""

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::SubnetCidrBlock"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        ec2 = ec2_backends[account_id][region_name]
        association = ec2.associate_subnet_cidr_block(props["SubnetId"], props["Ipv6CidrBlock"])
        return cls(association["associationId"])

    def delete(self, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        if ec2.get_subnet_from_ipv6_association(self._physical_id) is not None:
            ec2.disassociate_subnet_cidr_block(self._physical_id)


PLUGIN_TYPES.append(SubnetCidrBlock)


_original_resource_map_create = parsing.ResourceMap.create


def _resource_map_create(self, template):
    """CloudFormation puts the stack's tags, and its own aws:cloudformation:* tags, on the
    EKS clusters and node groups it makes, as on EC2 resources (moto tagged EC2 only)."""
    ready = _original_resource_map_create(self, template)
    stack_tags = {k: v for k, v in self.tags.items() if k != "aws:cloudformation:logical-id"}
    # The resources made, not every logical id: looking one up that was not made makes it.
    for logical_id, instance in list(self._parsed_resources.items()):
        if isinstance(instance, (EksCluster, EksNodegroup)):
            instance.add_stack_tags(self._account_id, self._region_name, dict(stack_tags, **{"aws:cloudformation:logical-id": logical_id}))
    return ready


def _cluster_stack_tags(self, account_id, region_name, tags):
    cluster = eks_backends[account_id][region_name].clusters.get(self._physical_id)
    if cluster is not None:
        cluster.tags.update(tags)


def _nodegroup_stack_tags(self, account_id, region_name, tags):
    cluster, name = self.key
    clusters = eks_backends[account_id][region_name].clusters
    if cluster in clusters and name in clusters[cluster].nodegroups:
        clusters[cluster].nodegroups[name].tags.update(tags)


parsing.ResourceMap.create = _resource_map_create
EksCluster.add_stack_tags = _cluster_stack_tags
EksNodegroup.add_stack_tags = _nodegroup_stack_tags
