"""EKS as eksharden meets it: what a cluster comes with, managed node groups, access entries,
secrets encryption and tags."""

import uuid

import moto.eks.models as eks_models
from moto.core.responses import ActionResult
from moto.eks import urls as eks_urls
from moto.eks.exceptions import InvalidParameterException, ResourceInUseException, ResourceNotFoundException
from moto.eks.models import EKSBackend, Nodegroup
from moto.eks.responses import EKSResponse

from .common import ec2, is_true, suffix
from .registry import adds, gap, replaces, routes, sets

CLUSTER = gap("cluster_comes_with_what_eks_makes", """a cluster, made through CloudFormation or the
    EKS API, comes with what EKS creates: the VPC id in its configuration, the cluster security
    group (all traffic from itself), the endpoint defaults and the control-plane interfaces
    ("Amazon EKS <cluster>"), which go with it when it is deleted""")


@replaces(EKSBackend, "create_cluster", CLUSTER)
def _create_cluster(self, name, resources_vpc_config, **kwargs):
    backend = ec2(self.account_id, self.region_name)
    config = dict(resources_vpc_config or {})
    subnets = list(config.get("subnetIds", []))
    vpc_id = backend.get_subnet(subnets[0]).vpc_id
    cluster_sg = backend.create_security_group(
        name=f"eks-cluster-sg-{name}-{suffix(10)}",
        description="EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.",
        vpc_id=vpc_id,
    )
    cluster_sg.add_tags({"aws:eks:cluster-name": name, f"kubernetes.io/cluster/{name}": "owned", "Name": f"eks-cluster-sg-{name}"})
    backend.authorize_security_group_ingress(
        group_name_or_id=cluster_sg.id, ip_protocol="-1", from_port=None, to_port=None,
        ip_ranges=[], source_groups=[{"GroupId": cluster_sg.id}],
    )
    public = is_true(config.get("endpointPublicAccess", True))
    config.update({
        "subnetIds": subnets,
        "securityGroupIds": list(config.get("securityGroupIds", [])),
        "clusterSecurityGroupId": cluster_sg.id,
        "vpcId": vpc_id,
        "endpointPublicAccess": public,
        "endpointPrivateAccess": is_true(config.get("endpointPrivateAccess", False)),
        "publicAccessCidrs": list(config.get("publicAccessCidrs") or (["0.0.0.0/0"] if public else [])),
    })
    cluster = _create_cluster.original(self, name=name, resources_vpc_config=config, **kwargs)
    enis = []
    for subnet_id in subnets[:2]:
        eni = backend.create_network_interface(
            subnet=backend.get_subnet(subnet_id),
            private_ip_address=None,
            group_ids=[cluster_sg.id] + config["securityGroupIds"],
            description=f"Amazon EKS {name}",
        )
        enis.append(eni.id)
    cluster.eksharden_owned = (cluster_sg.id, enis)
    return cluster


@replaces(EKSBackend, "delete_cluster", CLUSTER)
def _delete_cluster(self, name):
    cluster = _delete_cluster.original(self, name)
    backend = ec2(self.account_id, self.region_name)
    group_id, enis = getattr(cluster, "eksharden_owned", (None, []))
    for eni in enis:
        backend.delete_network_interface(eni)
    if group_id and backend.get_security_group_from_id(group_id) is not None:
        backend.delete_security_group(group_id=group_id)
    return cluster


VERSION = gap("kubernetes_version_offered", """a cluster or node group made without a Kubernetes
    version gets one EKS offers today (1.35); moto gave 1.19, which EKS has not offered for years""")
sets(eks_models, "DEFAULT_KUBERNETES_VERSION", "1.35", VERSION)

UPDATE_CONFIG = gap("update_cluster_config_merges", """UpdateClusterConfig changes the fields it is
    given (moto replaced the whole VPC configuration, losing the subnets and security groups)""")


@replaces(EKSBackend, "update_cluster_config", UPDATE_CONFIG)
def _update_cluster_config(self, name, resources_vpc_config, *args, **kwargs):
    cluster = self.clusters.get(name)
    if cluster is not None and resources_vpc_config:
        resources_vpc_config = {**cluster.resources_vpc_config, **resources_vpc_config}
    return _update_cluster_config.original(self, name, resources_vpc_config, *args, **kwargs)


def access_entries(cluster):
    """The access entries of a moto cluster, by principal ARN."""
    if not hasattr(cluster, "eksharden_access_entries"):
        cluster.eksharden_access_entries = {}
    return cluster.eksharden_access_entries


def _check_groups(groups):
    for group in groups:
        if group.startswith("system:"):
            raise InvalidParameterException(message=f"kubernetesGroups cannot start with system: ({group})")


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
        "accessEntryArn": f"{cluster.arn.replace(':cluster/', ':access-entry/')}/{suffix(12)}",
        "accessPolicies": policies,
        "tags": tags,
    }
    if username:
        entry["username"] = username
    entries[principal] = entry
    return entry


def cluster_or_raise(response):
    """The cluster a request names, or EKS's not-found answer."""
    name = response._get_param("name")
    cluster = response.eks_backend.clusters.get(name)
    if cluster is None:
        raise ResourceNotFoundException(
            clusterName=name, nodegroupName=None, fargateProfileName=None, addonName=None,
            message=f"No cluster found for name: {name}.",
        )
    return cluster


ACCESS_ENTRIES = gap("access_entry_api", """the EKS access-entry API: List, Describe, Create, Update
    and DeleteAccessEntry (one entry per principal; groups starting with `system:` refused, as EKS
    does; access policies are kept from CloudFormation, but Associate/DisassociateAccessPolicy are
    not served)""")


def _entry_or_raise(response, cluster):
    principal = response._get_param("principalArn")
    entry = access_entries(cluster).get(principal)
    if entry is None:
        raise ResourceNotFoundException(
            clusterName=cluster.name, nodegroupName=None, fargateProfileName=None, addonName=None,
            message=f"The specified principalArn could not be found: {principal}",
        )
    return entry


@adds(EKSResponse, "list_access_entries", ACCESS_ENTRIES)
def _list_access_entries(self):
    return ActionResult({"accessEntries": sorted(access_entries(cluster_or_raise(self)))})


@adds(EKSResponse, "describe_access_entry", ACCESS_ENTRIES)
def _describe_access_entry(self):
    return ActionResult({"accessEntry": _entry_or_raise(self, cluster_or_raise(self))})


@adds(EKSResponse, "create_access_entry", ACCESS_ENTRIES)
def _create_access_entry(self):
    entry = new_access_entry(
        cluster_or_raise(self),
        self._get_param("principalArn"),
        groups=self._get_param("kubernetesGroups") or [],
        kind=self._get_param("type") or "STANDARD",
        username=self._get_param("username"),
        policies=[],
        tags=self._get_param("tags") or {},
    )
    return ActionResult({"accessEntry": entry})


@adds(EKSResponse, "update_access_entry", ACCESS_ENTRIES)
def _update_access_entry(self):
    cluster = cluster_or_raise(self)
    entry = _entry_or_raise(self, cluster)
    groups = self._get_param("kubernetesGroups")
    if groups is not None:
        _check_groups(groups)
        entry["kubernetesGroups"] = list(groups)
    if self._get_param("username"):
        entry["username"] = self._get_param("username")
    return ActionResult({"accessEntry": entry})


@adds(EKSResponse, "delete_access_entry", ACCESS_ENTRIES)
def _delete_access_entry(self):
    cluster = cluster_or_raise(self)
    access_entries(cluster).pop(_entry_or_raise(self, cluster)["principalArn"])
    return ActionResult({})


routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/access-entries$", ACCESS_ENTRIES)
routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/access-entries/(?P<principalArn>.+)$", ACCESS_ENTRIES)

REMOTE_ACCESS = gap("nodegroup_remote_access", """a node group without remote access reports none
    (moto invented an SSH key and a remote-access security group that does not exist); one with
    remote access gets the security group EKS makes (port 22 from the source groups given, else
    from anywhere)""")


@replaces(Nodegroup, "__init__", REMOTE_ACCESS)
def _nodegroup_init(self, *args, **kwargs):
    _nodegroup_init.original(self, *args, **kwargs)
    remote = kwargs.get("remote_access")
    self.resources.pop("remoteAccessSecurityGroup")
    if not remote:
        self.remote_access = None
        return
    backend = ec2(kwargs["account_id"], kwargs["region_name"])
    vpc_id = backend.get_subnet(kwargs["subnets"][0]).vpc_id
    group = backend.create_security_group(
        name=f"eks-remoteAccess-{self.uuid}",
        description="Security group for all nodes in the nodeGroup to allow SSH access",
        vpc_id=vpc_id,
    )
    sources = remote.get("sourceSecurityGroups") or []
    backend.authorize_security_group_ingress(
        group_name_or_id=group.id, ip_protocol="tcp", from_port=22, to_port=22,
        ip_ranges=[] if sources else [{"CidrIp": "0.0.0.0/0"}],
        source_groups=[{"GroupId": s} for s in sources],
    )
    self.resources["remoteAccessSecurityGroup"] = group.id


NODEGROUP_DELETION = gap("nodegroup_deletion", """deleting a managed node group terminates its own
    instances only and deletes its remote-access group, as EKS does (moto's instance filters ignore
    tags, so every running instance went with any node group)""")


@replaces(EKSBackend, "delete_nodegroup", NODEGROUP_DELETION)
def _delete_nodegroup(self, cluster_name, nodegroup_name):
    nodegroup = _delete_nodegroup.original(self, cluster_name, nodegroup_name)
    backend = ec2(self.account_id, self.region_name)
    member = {"eks:cluster-name": cluster_name, "eks:nodegroup-name": nodegroup_name}
    doomed = [
        i.id
        for i in backend.all_instances()
        if i._state.name in ("pending", "running")
        and member.items() <= {t["key"]: t["value"] for t in i.get_tags()}.items()
    ]
    if doomed:
        backend.terminate_instances(doomed)
    group = nodegroup.resources.get("remoteAccessSecurityGroup")
    if group and backend.get_security_group_from_id(group) is not None:
        backend.delete_security_group(group_id=group)
    return nodegroup


ENCRYPTION = gap("associate_encryption_config", """AssociateEncryptionConfig: secrets encryption
    with a KMS key, which a cluster takes once and never gives up""")


@adds(EKSResponse, "associate_encryption_config", ENCRYPTION)
def _associate_encryption_config(self):
    cluster = cluster_or_raise(self)
    if cluster.encryption_config:
        raise InvalidParameterException(message="Encryption is already enabled on the cluster")
    cluster.encryption_config = self._get_param("encryptionConfig")
    update = {"id": str(uuid.uuid4()), "status": "Successful", "type": "AssociateEncryptionConfig", "params": [], "errors": []}
    return ActionResult({"update": update})


routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/encryption-config/associate$", ENCRYPTION)

NODEGROUP_TAGS = gap("tag_nodegroups", """TagResource on node groups too (moto tagged clusters only)""")


@replaces(EKSBackend, "tag_resource", NODEGROUP_TAGS)
def _tag_resource(self, resource_arn, tags):
    for cluster in self.clusters.values():
        for nodegroup in cluster.nodegroups.values():
            if nodegroup.arn == resource_arn:
                nodegroup.tags.update(tags)
                return None
    return _tag_resource.original(self, resource_arn, tags)
