"""CloudFormation resource types moto lacks, and properties of its own types it ignores, so
that a stack makes what its template describes."""

import ipaddress
import itertools
import json
import random

from moto.cloudformation import parsing
from moto.ec2.models.route_tables import Route
from moto.ec2.models.security_groups import SecurityGroup
from moto.ec2.models.subnets import Subnet, SubnetRouteTableAssociation
from moto.ec2.models.vpcs import VPC
from moto.iam.models import Role as IamRole
from moto.kms.models import Key as KmsKey
from moto.kms.models import kms_backends
from moto.logs.models import LogGroup, logs_backends

from .common import Resource, ec2, eks, iam, is_true, suffix
from .eks import access_entries, new_access_entry
from .eks_workloads import apply_auto_mode
from .registry import cloudformation_type, gap, replaces

NETWORK_ACLS = gap("network_acl_types", """AWS::EC2::NetworkAcl (with the `*` entries that deny what no
    rule allows), AWS::EC2::NetworkAclEntry and AWS::EC2::SubnetNetworkAclAssociation: moto skipped
    them, so a stack's ACLs did not exist""")


@cloudformation_type(NETWORK_ACLS)
class NetworkAcl(Resource):
    ATTRIBUTES = ("Id",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::NetworkAcl"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = ec2(account_id, region_name)
        acl = backend.create_network_acl(props["VpcId"], tags=props.get("Tags", []))
        for egress in (False, True):
            backend.create_network_acl_entry(acl.id, "32767", "-1", "deny", egress, "0.0.0.0/0", None, None, None, None, None)
        return cls(acl.id, {"Id": acl.id})

    def delete(self, account_id, region_name):
        ec2(account_id, region_name).delete_network_acl(self._physical_id)


@cloudformation_type(NETWORK_ACLS)
class NetworkAclEntry(Resource):
    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::NetworkAclEntry"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        ports = props.get("PortRange", {})
        egress = is_true(props.get("Egress", False))
        ec2(account_id, region_name).create_network_acl_entry(
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
        backend = ec2(account_id, region_name)
        if acl_id in backend.network_acls:
            backend.delete_network_acl_entry(acl_id, rule_number, egress)


@cloudformation_type(NETWORK_ACLS)
class SubnetNetworkAclAssociation(Resource):
    ATTRIBUTES = ("AssociationId",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::SubnetNetworkAclAssociation"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = ec2(account_id, region_name)
        association = backend.replace_network_acl_association(_association_of(backend, props["SubnetId"]), props["NetworkAclId"])
        resource = cls(association.id, {"AssociationId": association.id})
        resource.subnet_id = props["SubnetId"]
        return resource

    def delete(self, account_id, region_name):
        # Back to the VPC's default ACL, as EC2 does when the association goes; with the
        # subnet already gone, the association goes with it.
        backend = ec2(account_id, region_name)
        if self.subnet_id not in {s.id for s in backend.describe_subnets()}:
            for acl in backend.network_acls.values():
                for association_id, association in list(acl._associations.items()):
                    if association.subnet_id == self.subnet_id:
                        acl._associations.pop(association_id)
            return
        subnet = backend.get_subnet(self.subnet_id)
        default = next(a for a in backend.network_acls.values() if a.vpc_id == subnet.vpc_id and a.default)
        backend.replace_network_acl_association(_association_of(backend, self.subnet_id), default.id)


def _association_of(backend, subnet_id):
    for acl in backend.network_acls.values():
        for association_id, association in acl._associations.items():
            if association.subnet_id == subnet_id:
                return association_id
    raise KeyError(f"subnet {subnet_id} has no network ACL association")


def _rule_args(rule, peer_group_key, prefix_list_key):
    """A template's rule as moto's authorize and revoke calls take it (protocol -1 has no ports)."""
    everything = str(rule.get("IpProtocol")) == "-1"
    peer = rule.get(peer_group_key)
    description = rule.get("Description")
    if rule.get("CidrIp"):
        blocks = [{"CidrIp": rule["CidrIp"], "Description": description}]
    elif rule.get("CidrIpv6"):
        blocks = [{"CidrIpv6": rule["CidrIpv6"], "Description": description}]
    else:
        blocks = []
    return dict(
        ip_protocol=str(rule["IpProtocol"]),
        from_port=None if everything else rule.get("FromPort"),
        to_port=None if everything else rule.get("ToPort"),
        ip_ranges=blocks,
        source_groups=[{"GroupId": peer, "Description": description}] if peer else [],
        prefix_list_ids=[{"PrefixListId": rule[prefix_list_key], "Description": description}] if rule.get(prefix_list_key) else [],
    )


RULES = gap("security_group_rule_types", """AWS::EC2::SecurityGroupEgress (moto lacked it) and
    AWS::EC2::SecurityGroupIngress with prefix lists, descriptions on group peers and protocol -1 (moto dropped
    them)""")


class _SecurityGroupRule(Resource):
    """A separate ingress or egress rule; subclasses name the direction's keys and calls."""

    TYPE = PEER_GROUP_KEY = PREFIX_LIST_KEY = AUTHORIZE = REVOKE = ""

    @classmethod
    def cloudformation_type(cls):
        return cls.TYPE

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        args = _rule_args(props, cls.PEER_GROUP_KEY, cls.PREFIX_LIST_KEY)
        getattr(ec2(account_id, region_name), cls.AUTHORIZE)(group_name_or_id=props["GroupId"], **args)
        resource = cls(f"{props['GroupId']}-{cls.__name__.lower()}-{suffix()}")
        resource.rule = (props["GroupId"], args)
        return resource

    def delete(self, account_id, region_name):
        group_id, args = self.rule
        backend = ec2(account_id, region_name)
        # A rule goes with its group, and with the group it refers to.
        groups = [group_id] + [peer["GroupId"] for peer in args["source_groups"]]
        if all(backend.get_security_group_from_id(g) is not None for g in groups):
            getattr(backend, self.REVOKE)(group_name_or_id=group_id, **args)


@cloudformation_type(RULES)
class SecurityGroupEgress(_SecurityGroupRule):
    TYPE = "AWS::EC2::SecurityGroupEgress"
    PEER_GROUP_KEY = "DestinationSecurityGroupId"
    PREFIX_LIST_KEY = "DestinationPrefixListId"
    AUTHORIZE = "authorize_security_group_egress"
    REVOKE = "revoke_security_group_egress"


@cloudformation_type(RULES)
class PluginSecurityGroupIngress(_SecurityGroupRule):
    TYPE = "AWS::EC2::SecurityGroupIngress"
    PEER_GROUP_KEY = "SourceSecurityGroupId"
    PREFIX_LIST_KEY = "SourcePrefixListId"
    AUTHORIZE = "authorize_security_group_ingress"
    REVOKE = "revoke_security_group_ingress"


INLINE_RULES = gap("inline_security_group_rules", """inline rules of AWS::EC2::SecurityGroup as EC2
    takes them: ingress with IPv6 blocks, prefix lists and descriptions (moto read an IPv4 block
    or a group only), and egress, which replaces the default allow-all rule""")


@replaces(SecurityGroup, "create_from_cloudformation_json", INLINE_RULES)
def _security_group_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = dict(cloudformation_json["Properties"])
    ingress = properties.pop("SecurityGroupIngress", [])
    template = dict(cloudformation_json, Properties=properties)
    group = _security_group_create.original(cls, resource_name, template, account_id, region_name, **kwargs)
    backend = ec2(account_id, region_name)
    for rule in ingress:
        backend.authorize_security_group_ingress(group_name_or_id=group.id, **_rule_args(rule, "SourceSecurityGroupId", "SourcePrefixListId"))
    egress = properties.get("SecurityGroupEgress")
    if egress is not None:
        backend.revoke_security_group_egress(
            group_name_or_id=group.id, ip_protocol="-1", from_port=None, to_port=None,
            ip_ranges=[{"CidrIp": "0.0.0.0/0"}], source_groups=[], prefix_list_ids=[],
        )
        for rule in egress:
            backend.authorize_security_group_egress(group_name_or_id=group.id, **_rule_args(rule, "DestinationSecurityGroupId", "DestinationPrefixListId"))
    return group


EKS_AMIS = gap("eks_ami_parameters", """the public SSM parameters of the EKS-optimized and the
    Bottlerocket AMIs (/aws/service/eks/optimized-ami/..., /aws/service/bottlerocket/...), which
    moto does not publish: they resolve to an Amazon
    Linux image of moto's catalogue""")
EKS_AMI_PARAMETERS = ("/aws/service/eks/optimized-ami/", "/aws/service/bottlerocket/")


@replaces(parsing.ResourceMap, "parse_ssm_parameter", EKS_AMIS)
def _parse_ssm_parameter(self, value, value_type):
    if value.startswith(EKS_AMI_PARAMETERS):
        amis = ec2(self._account_id, self._region_name).amis.values()
        return next(a.id for a in sorted(amis, key=lambda a: a.id) if "amzn" in (a.name or "") or "Amazon Linux" in (a.description or ""))
    return _parse_ssm_parameter.original(self, value, value_type)


ROLE_POLICIES = gap("iam_role_policies", """AWS::IAM::Role ManagedPolicyArns attached (moto ignored
    them) and detached again when the role is deleted; inline Policies stored as JSON (moto kept the
    Python text of the dict, which IAM's own validation then rejects)""")


@replaces(IamRole, "create_from_cloudformation_json", ROLE_POLICIES)
def _role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    role = _role_create.original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    for arn in cloudformation_json["Properties"].get("ManagedPolicyArns", []):
        iam(account_id).attach_role_policy(arn, role.name)
    for policy in cloudformation_json["Properties"].get("Policies", []):
        document = policy["PolicyDocument"]
        role.policies[policy["PolicyName"]] = document if isinstance(document, str) else json.dumps(document)
    return role


@replaces(IamRole, "delete_from_cloudformation_json", ROLE_POLICIES)
def _role_delete(cls, resource_name, cloudformation_json, account_id, region_name):
    role = next((r for r in iam(account_id).roles.values() if r.name == resource_name), None)
    if role is not None:
        for policy in list(role.managed_policies.values()):
            policy.detach_from(role)
    _role_delete.original(cls, resource_name, cloudformation_json, account_id, region_name)


KMS_KEY = gap("kms_key_properties", """AWS::KMS::Key tags in CloudFormation's Key/Value form (moto
    read the KMS API's TagKey/TagValue), and its policy kept as a JSON document (moto kept the
    template's object, and DescribeKey then failed with a server error)""")
KMS_KEY_DELETION = gap("kms_key_deletion_scheduled", """a stack's KMS key is scheduled for deletion
    with the stack (30 days, or PendingWindowInDays), as CloudFormation does; moto removed it at
    once""")


@replaces(KmsKey, "create_from_cloudformation_json", KMS_KEY)
def _kms_key_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = dict(cloudformation_json["Properties"])
    properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])]
    if isinstance(properties.get("KeyPolicy"), dict):
        properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
    template = {**cloudformation_json, "Properties": properties}
    key = _kms_key_create.original(cls, resource_name, template, account_id, region_name, **kwargs)
    key.eksharden_pending_window = int(properties.get("PendingWindowInDays", 30))
    return key


@replaces(KmsKey, "delete", KMS_KEY_DELETION)
def _kms_key_delete(self, account_id, region_name):
    window = getattr(self, "eksharden_pending_window", 30)
    kms_backends[account_id][region_name].schedule_key_deletion(self.id, window)


def _network_config(network):
    """The cluster's Kubernetes network: IPv4 with its service block, or IPv6 with a /108
    EKS assigns from fd00::/8 (unique local), as EKS does."""
    if str(network.get("IpFamily", "ipv4")).lower() == "ipv6":
        block = ipaddress.ip_network("fd00::/8")
        chosen = ipaddress.ip_network((int(block.network_address) + (random.getrandbits(64) << 20), 108))
        return {"ipFamily": "ipv6", "serviceIpv6Cidr": str(chosen)}
    return {"serviceIpv4Cidr": network.get("ServiceIpv4Cidr", "172.20.0.0/16"), "ipFamily": "ipv4"}


EKS_CLUSTER = gap("eks_cluster_type", """AWS::EKS::Cluster, made through the EKS backend, with its
    attributes (Arn, Endpoint, CertificateAuthorityData, ClusterSecurityGroupId,
    EncryptionConfigKeyArn, OpenIdConnectIssuerUrl, KubernetesNetworkConfig.ServiceIpv6Cidr: an
    IPv6 cluster gets the service block EKS assigns), its logging, encryption and access
    configuration""")


@cloudformation_type(EKS_CLUSTER)
class EksCluster(Resource):
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
        vpc_config = props["ResourcesVpcConfig"]
        logging_types = [t["Type"] for t in props.get("Logging", {}).get("ClusterLogging", {}).get("EnabledTypes", [])]
        config = {
            "subnetIds": list(vpc_config["SubnetIds"]),
            "securityGroupIds": list(vpc_config.get("SecurityGroupIds", [])),
            "endpointPublicAccess": is_true(vpc_config.get("EndpointPublicAccess", True)),
            "endpointPrivateAccess": is_true(vpc_config.get("EndpointPrivateAccess", False)),
        }
        if "PublicAccessCidrs" in vpc_config:
            config["publicAccessCidrs"] = list(vpc_config["PublicAccessCidrs"])
        cluster = eks(account_id, region_name).create_cluster(
            name=name,
            role_arn=props["RoleArn"],
            resources_vpc_config=config,
            version=props.get("Version"),
            kubernetes_network_config=_network_config(props.get("KubernetesNetworkConfig", {})),
            logging={"clusterLogging": [{"types": logging_types, "enabled": True}] if logging_types else []},
            tags={t["Key"]: t["Value"] for t in props.get("Tags", [])},
            encryption_config=[
                {"resources": c.get("Resources", []), "provider": {"keyArn": c.get("Provider", {}).get("KeyArn")}}
                for c in props.get("EncryptionConfig", [])
            ],
        )
        access = props.get("AccessConfig", {})
        cluster.access_config = {
            "authenticationMode": access.get("AuthenticationMode", "CONFIG_MAP"),
            "bootstrapClusterCreatorAdminPermissions": is_true(access.get("BootstrapClusterCreatorAdminPermissions", True)),
        }
        apply_auto_mode(cluster, props)
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
        backend = eks(account_id, region_name)
        if self._physical_id in backend.clusters:
            backend.delete_cluster(self._physical_id)

    def add_stack_tags(self, account_id, region_name, tags):
        cluster = eks(account_id, region_name).clusters.get(self._physical_id)
        if cluster is not None:
            cluster.tags.update(tags)


EKS_NODEGROUP = gap("eks_nodegroup_type", """AWS::EKS::Nodegroup, made through the EKS backend, with
    its update settings; a launch template named without a version takes the template's default
    version, which the group reports (moto kept the text "None")""")


def _launch_template(account_id, region_name, template):
    if not template:
        return None
    version = template.get("Version")
    if version is None:
        backend = ec2(account_id, region_name)
        found = backend.get_launch_template(template["Id"]) if template.get("Id") else backend.get_launch_template_by_name(template["Name"])
        version = found.default_version_number
    reference = {"version": str(version)}
    reference.update({"id": template["Id"]} if template.get("Id") else {"name": template.get("Name")})
    return reference


@cloudformation_type(EKS_NODEGROUP)
class EksNodegroup(Resource):
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
        name = props.get("NodegroupName", resource_name)
        scaling = props.get("ScalingConfig", {})
        nodegroup = eks(account_id, region_name).create_nodegroup(
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
            launch_template=_launch_template(account_id, region_name, props.get("LaunchTemplate")),
            capacity_type=props.get("CapacityType"),
        )
        update = props.get("UpdateConfig")
        if update:
            nodegroup.update_config = {k[0].lower() + k[1:]: int(v) for k, v in update.items()}
        resource = cls(f"{props['ClusterName']}/{name}", {"Arn": nodegroup.arn, "ClusterName": props["ClusterName"], "NodegroupName": name})
        resource.key = (props["ClusterName"], name)
        return resource

    def delete(self, account_id, region_name):
        backend = eks(account_id, region_name)
        cluster, name = self.key
        if cluster in backend.clusters and name in backend.clusters[cluster].nodegroups:
            backend.delete_nodegroup(cluster_name=cluster, nodegroup_name=name)

    def add_stack_tags(self, account_id, region_name, tags):
        cluster, name = self.key
        clusters = eks(account_id, region_name).clusters
        if cluster in clusters and name in clusters[cluster].nodegroups:
            clusters[cluster].nodegroups[name].tags.update(tags)


EKS_ACCESS_ENTRY = gap("eks_access_entry_type", """AWS::EKS::AccessEntry, kept on the cluster and
    served by the access-entry API (moto has neither)""")


@cloudformation_type(EKS_ACCESS_ENTRY)
class EksAccessEntry(Resource):
    ATTRIBUTES = ("AccessEntryArn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::AccessEntry"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        cluster = eks(account_id, region_name).clusters[props["ClusterName"]]
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
        backend = eks(account_id, region_name)
        cluster, principal = self.key
        if cluster in backend.clusters:
            access_entries(backend.clusters[cluster]).pop(principal, None)


ROUTE_TABLE_ASSOCIATION = gap("route_table_association", """a subnet's AWS::EC2::SubnetRouteTableAssociation
    shows in DescribeRouteTables, as in EC2 (moto recorded it on the resource only)""")


@replaces(SubnetRouteTableAssociation, "create_from_cloudformation_json", ROUTE_TABLE_ASSOCIATION)
def _route_table_association_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    association = _route_table_association_create.original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json["Properties"]
    ec2(account_id, region_name).associate_route_table(props["RouteTableId"], subnet_id=props["SubnetId"])
    return association


FN_CIDR = gap("fn_cidr", """the intrinsic function Fn::Cidr (`count` blocks of `bits` host bits from a
    block), which moto did not know""")


@replaces(parsing, "clean_json", FN_CIDR)
def _clean_json(resource_json, resources_map):
    if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
        block, count, bits = (_clean_json(part, resources_map) for part in resource_json["Fn::Cidr"])
        network = ipaddress.ip_network(block)
        blocks = network.subnets(new_prefix=network.max_prefixlen - int(bits))
        return [str(b) for b in itertools.islice(blocks, int(count))]
    return _clean_json.original(resource_json, resources_map)


IPV6_BLOCKS = gap("ipv6_blocks", """IPv6 blocks through CloudFormation: AWS::EC2::VPCCidrBlock (an
    Amazon-provided block), GetAtt Ipv6CidrBlocks of a VPC and of a subnet, a subnet's
    Ipv6CidrBlock, AssignIpv6AddressOnCreation and MapPublicIpOnLaunch, and
    AWS::EC2::SubnetCidrBlock""")


@replaces(VPC, "get_cfn_attribute", IPV6_BLOCKS)
def _vpc_attribute(self, attribute_name):
    if attribute_name == "Ipv6CidrBlocks":
        return [a["cidr_block"] for a in self.get_cidr_block_association_set(ipv6=True)]
    return _vpc_attribute.original(self, attribute_name)


@replaces(Subnet, "create_from_cloudformation_json", IPV6_BLOCKS)
def _subnet_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    subnet = _subnet_create.original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    props = cloudformation_json["Properties"]
    if props.get("Ipv6CidrBlock"):
        ec2(account_id, region_name).associate_subnet_cidr_block(subnet.id, props["Ipv6CidrBlock"])
    if is_true(props.get("AssignIpv6AddressOnCreation", False)):
        subnet.assign_ipv6_address_on_creation = True
    if is_true(props.get("MapPublicIpOnLaunch", False)):
        subnet.map_public_ip_on_launch = True
    return subnet


@replaces(Subnet, "get_cfn_attribute", IPV6_BLOCKS)
def _subnet_attribute(self, attribute_name):
    if attribute_name == "Ipv6CidrBlocks":
        return [a["ipv6CidrBlock"] for a in self.ipv6_cidr_block_associations.values()]
    return _subnet_attribute.original(self, attribute_name)


@cloudformation_type(IPV6_BLOCKS)
class VpcCidrBlock(Resource):
    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::VPCCidrBlock"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        amazon = is_true(props.get("AmazonProvidedIpv6CidrBlock", False))
        association = ec2(account_id, region_name).associate_vpc_cidr_block(props["VpcId"], props.get("CidrBlock"), amazon)
        resource = cls(association["association_id"])
        resource.vpc_id = props["VpcId"]
        return resource

    def delete(self, account_id, region_name):
        backend = ec2(account_id, region_name)
        if self.vpc_id in backend.vpcs:
            backend.disassociate_vpc_cidr_block(self._physical_id)


@cloudformation_type(IPV6_BLOCKS)
class SubnetCidrBlock(Resource):
    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::SubnetCidrBlock"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        association = ec2(account_id, region_name).associate_subnet_cidr_block(props["SubnetId"], props["Ipv6CidrBlock"])
        return cls(association["associationId"])

    def delete(self, account_id, region_name):
        backend = ec2(account_id, region_name)
        if backend.get_subnet_from_ipv6_association(self._physical_id) is not None:
            backend.disassociate_subnet_cidr_block(self._physical_id)


IPV6_ROUTING = gap("ipv6_routing", """AWS::EC2::EgressOnlyInternetGateway (moto lacked it) and routes
    to IPv6 destinations (moto's CloudFormation route read IPv4 ones only)""")


@cloudformation_type(IPV6_ROUTING)
class EgressOnlyInternetGateway(Resource):
    @staticmethod
    def cloudformation_type():
        return "AWS::EC2::EgressOnlyInternetGateway"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        gateway = ec2(account_id, region_name).create_egress_only_internet_gateway(vpc_id=cloudformation_json["Properties"]["VpcId"])
        return cls(gateway.id)

    def delete(self, account_id, region_name):
        backend = ec2(account_id, region_name)
        if self._physical_id in backend.egress_only_internet_gateways:
            backend.delete_egress_only_internet_gateway(self._physical_id)


@replaces(Route, "create_from_cloudformation_json", IPV6_ROUTING)
def _route_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json["Properties"]
    if not props.get("DestinationIpv6CidrBlock"):
        return _route_create.original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    return ec2(account_id, region_name).create_route(
        route_table_id=props["RouteTableId"],
        destination_cidr_block=None,
        destination_ipv6_cidr_block=props["DestinationIpv6CidrBlock"],
        gateway_id=props.get("GatewayId"),
        egress_only_igw_id=props.get("EgressOnlyInternetGatewayId"),
        nat_gateway_id=props.get("NatGatewayId"),
        interface_id=props.get("NetworkInterfaceId"),
    )


LOG_GROUP_PROPERTIES = gap("log_group_properties", """AWS::Logs::LogGroup's KmsKeyId and RetentionInDays
    reach the group (moto passed the template's property names through, which its log group does not
    read, so a stack's group was unencrypted and kept its logs forever)""")


@replaces(LogGroup, "create_from_cloudformation_json", LOG_GROUP_PROPERTIES)
def _log_group_from_cloudformation(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props = cloudformation_json["Properties"]
    tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
    backend = logs_backends[account_id][region_name]
    group = backend.create_log_group(resource_name, tags, kmsKeyId=props.get("KmsKeyId"))
    if props.get("RetentionInDays"):
        backend.put_retention_policy(resource_name, int(props["RetentionInDays"]))
    return group
