"""What runs pods besides node groups, and how pods get AWS credentials: add-ons, EKS Pod
Identity associations, Fargate profiles, EKS Auto Mode, and a cluster's own OIDC issuer."""

import json
import uuid

from moto.core.responses import ActionResult
from moto.eks import urls as eks_urls
from moto.eks.exceptions import InvalidParameterException, ResourceInUseException, ResourceNotFoundException
from moto.eks.models import Cluster
from moto.eks.responses import EKSResponse

from .common import Resource, ec2, eks, is_true, suffix
from .eks import cluster_or_raise
from .registry import adds, cloudformation_type, gap, replaces, routes

ISSUER = gap("oidc_issuer_per_cluster", """each cluster has an OIDC issuer of its own, as in EKS (moto
    gave every cluster of a process the same issuer, so a second cluster's OIDC provider clashed
    with the first's)""")


@replaces(Cluster, "__init__", ISSUER)
def _cluster_init(self, *args, **kwargs):
    _cluster_init.original(self, *args, **kwargs)
    region = kwargs.get("region_name") or self.arn.split(":")[3]
    self.identity = {"oidc": {"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{uuid.uuid4().hex.upper()}"}}


def _not_found(cluster, message, addon=None):
    return ResourceNotFoundException(
        clusterName=cluster, nodegroupName=None, fargateProfileName=None, addonName=addon, message=message,
    )


def pod_identity_associations(cluster):
    """The Pod Identity associations of a moto cluster, by association id."""
    if not hasattr(cluster, "eksharden_pod_identity"):
        cluster.eksharden_pod_identity = {}
    return cluster.eksharden_pod_identity


def addons(cluster):
    """The add-ons of a moto cluster, by name."""
    if not hasattr(cluster, "eksharden_addons"):
        cluster.eksharden_addons = {}
    return cluster.eksharden_addons


def new_association(cluster, namespace, service_account, role_arn, tags, target_role_arn=None,
                    disable_session_tags=False, owner_arn=None):
    """Associates a role with a service account of a moto cluster; one association per
    service account, as EKS takes."""
    associations = pod_identity_associations(cluster)
    if any(a["namespace"] == namespace and a["serviceAccount"] == service_account for a in associations.values()):
        raise ResourceInUseException(
            clusterName=cluster.name, nodegroupName=None, addonName=None,
            message=f"Association already exists for service account {namespace}/{service_account}",
        )
    association_id = f"a-{suffix(17)}"
    association = {
        "clusterName": cluster.name,
        "namespace": namespace,
        "serviceAccount": service_account,
        "roleArn": role_arn,
        "associationArn": f"{cluster.arn.replace(':cluster/', ':podidentityassociation/')}/{association_id}",
        "associationId": association_id,
        "tags": tags,
        "disableSessionTags": bool(disable_session_tags),
    }
    if target_role_arn:
        association["targetRoleArn"] = target_role_arn
    if owner_arn:
        association["ownerArn"] = owner_arn
    associations[association_id] = association
    return association


POD_IDENTITY = gap("pod_identity_associations", """EKS Pod Identity associations: the CloudFormation
    type AWS::EKS::PodIdentityAssociation and ListPodIdentityAssociations and
    DescribePodIdentityAssociation (one association per service account; moto has none of them)""")


@cloudformation_type(POD_IDENTITY)
class EksPodIdentityAssociation(Resource):
    ATTRIBUTES = ("AssociationArn", "AssociationId")

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::PodIdentityAssociation"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        cluster = eks(account_id, region_name).clusters[props["ClusterName"]]
        association = new_association(
            cluster, props["Namespace"], props["ServiceAccount"], props["RoleArn"],
            tags={t["Key"]: t["Value"] for t in props.get("Tags", [])},
            target_role_arn=props.get("TargetRoleArn"),
            disable_session_tags=is_true(props.get("DisableSessionTags", False)),
        )
        resource = cls(association["associationArn"], {
            "AssociationArn": association["associationArn"], "AssociationId": association["associationId"],
        })
        resource.key = (cluster.name, association["associationId"])
        return resource

    def delete(self, account_id, region_name):
        cluster, association_id = self.key
        clusters = eks(account_id, region_name).clusters
        if cluster in clusters:
            pod_identity_associations(clusters[cluster]).pop(association_id, None)


@adds(EKSResponse, "list_pod_identity_associations", POD_IDENTITY)
def _list_pod_identity_associations(self):
    namespace = self._get_param("namespace")
    service_account = self._get_param("serviceAccount")
    summaries = [
        {k: a[k] for k in ("clusterName", "namespace", "serviceAccount", "associationArn", "associationId") if k in a}
        | ({"ownerArn": a["ownerArn"]} if "ownerArn" in a else {})
        for a in pod_identity_associations(cluster_or_raise(self)).values()
        if (not namespace or a["namespace"] == namespace) and (not service_account or a["serviceAccount"] == service_account)
    ]
    return ActionResult({"associations": summaries})


@adds(EKSResponse, "describe_pod_identity_association", POD_IDENTITY)
def _describe_pod_identity_association(self):
    cluster = cluster_or_raise(self)
    association_id = self._get_param("associationId")
    association = pod_identity_associations(cluster).get(association_id)
    if association is None:
        raise _not_found(cluster.name, f"No Pod Identity Association found with id {association_id}")
    return ActionResult({"association": association})


routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations$", POD_IDENTITY)
routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/pod-identity-associations/(?P<associationId>[^/]+)$", POD_IDENTITY)

ADDONS = gap("addons", """EKS add-ons: the CloudFormation type AWS::EKS::Addon (its version, configuration
    values and Pod Identity associations, which EKS makes and owns for the add-on), ListAddons,
    DescribeAddon, CreateAddon and UpdateAddon (a new configuration, at once ACTIVE) (moto has
    none of them)""")


def new_addon(cluster, name, arn, version, configuration, tags, associations=(), role_arn=None):
    """An add-on as EKS describes it, ACTIVE at once."""
    addon = {
        "addonName": name,
        "clusterName": cluster.name,
        "status": "ACTIVE",
        "addonVersion": version or "v1.0.0-eksbuild.1",
        "addonArn": arn,
        "health": {"issues": []},
        "tags": tags,
        "podIdentityAssociations": list(associations),
    }
    if configuration:
        addon["configurationValues"] = configuration
    if role_arn:
        addon["serviceAccountRoleArn"] = role_arn
    addons(cluster)[name] = addon
    return addon


@cloudformation_type(ADDONS)
class EksAddon(Resource):
    ATTRIBUTES = ("Arn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::Addon"

    @staticmethod
    def cloudformation_name_type():
        return "AddonName"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        cluster = eks(account_id, region_name).clusters[props["ClusterName"]]
        name = props["AddonName"]
        if name in addons(cluster):
            raise ResourceInUseException(clusterName=cluster.name, nodegroupName=None, addonName=name, message=f"Addon already exists: {name}")
        arn = f"{cluster.arn.replace(':cluster/', ':addon/')}/{name}/{uuid.uuid4()}"
        associations = [
            new_association(cluster, "kube-system", a["ServiceAccount"], a["RoleArn"], tags={}, owner_arn=arn)["associationArn"]
            for a in props.get("PodIdentityAssociations", [])
        ]
        new_addon(cluster, name, arn, props.get("AddonVersion"), props.get("ConfigurationValues"),
                  {t["Key"]: t["Value"] for t in props.get("Tags", [])}, associations,
                  props.get("ServiceAccountRoleArn"))
        resource = cls(name, {"Arn": arn})
        resource.key = (cluster.name, name)
        return resource

    def delete(self, account_id, region_name):
        cluster_name, name = self.key
        cluster = eks(account_id, region_name).clusters.get(cluster_name)
        if cluster is None:
            return
        addon = addons(cluster).pop(name, None)
        owned = [i for i, a in pod_identity_associations(cluster).items() if addon and a.get("ownerArn") == addon["addonArn"]]
        for association_id in owned:
            pod_identity_associations(cluster).pop(association_id)


@adds(EKSResponse, "list_addons", ADDONS)
def _list_addons(self):
    return ActionResult({"addons": sorted(addons(cluster_or_raise(self)))})


@adds(EKSResponse, "describe_addon", ADDONS)
def _describe_addon(self):
    cluster = cluster_or_raise(self)
    name = self._get_param("addonName")
    addon = addons(cluster).get(name)
    if addon is None:
        raise _not_found(cluster.name, f"No addon: {name} found in cluster: {cluster.name}", addon=name)
    return ActionResult({"addon": addon})


def _body(self):
    return json.loads(self.body or "{}")


@adds(EKSResponse, "create_addon", ADDONS)
def _create_addon(self):
    cluster = cluster_or_raise(self)
    body = _body(self)
    name = body["addonName"]
    if name in addons(cluster):
        raise ResourceInUseException(clusterName=cluster.name, nodegroupName=None, addonName=name, message=f"Addon already exists: {name}")
    arn = f"{cluster.arn.replace(':cluster/', ':addon/')}/{name}/{uuid.uuid4()}"
    addon = new_addon(cluster, name, arn, body.get("addonVersion"), body.get("configurationValues"), body.get("tags", {}))
    return ActionResult({"addon": addon})


@adds(EKSResponse, "update_addon", ADDONS)
def _update_addon(self):
    cluster = cluster_or_raise(self)
    name = self._get_param("addonName")
    addon = addons(cluster).get(name)
    if addon is None:
        raise _not_found(cluster.name, f"No addon: {name} found in cluster: {cluster.name}", addon=name)
    body = _body(self)
    if "configurationValues" in body:
        addon["configurationValues"] = body["configurationValues"]
    if body.get("addonVersion"):
        addon["addonVersion"] = body["addonVersion"]
    update = {"id": str(uuid.uuid4()), "status": "Successful", "type": "AddonUpdate", "params": [], "errors": []}
    return ActionResult({"update": update})


routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/addons$", ADDONS)
routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)$", ADDONS)
routes(eks_urls, "{0}/clusters/(?P<name>[^/]+)/addons/(?P<addonName>[^/]+)/update$", ADDONS)

FARGATE = gap("fargate_profile_type", """AWS::EKS::FargateProfile, made through moto's EKS backend
    (which serves the Fargate API but had no CloudFormation type); private subnets only, as EKS
    requires""")


@cloudformation_type(FARGATE)
class EksFargateProfile(Resource):
    ATTRIBUTES = ("Arn",)

    @staticmethod
    def cloudformation_type():
        return "AWS::EKS::FargateProfile"

    @staticmethod
    def cloudformation_name_type():
        return "FargateProfileName"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        subnets = list(props.get("Subnets", []))
        backend = ec2(account_id, region_name)
        for subnet_id in subnets:
            tables = backend.describe_route_tables(filters={"association.subnet-id": [subnet_id]})
            if any(getattr(r.gateway, "id", "").startswith("igw-") for t in tables for r in t.routes):
                raise InvalidParameterException(message=f"Subnet {subnet_id} provided in Fargate Profile is not a private subnet")
        profile = eks(account_id, region_name).create_fargate_profile(
            fargate_profile_name=props["FargateProfileName"],
            cluster_name=props["ClusterName"],
            selectors=[
                {"namespace": s["Namespace"], "labels": {l["Key"]: l["Value"] for l in s.get("Labels", [])}}
                for s in props.get("Selectors", [])
            ],
            pod_execution_role_arn=props["PodExecutionRoleArn"],
            subnets=subnets,
            tags={t["Key"]: t["Value"] for t in props.get("Tags", [])},
        )
        resource = cls(profile.fargate_profile_name, {"Arn": profile.fargate_profile_arn})
        resource.key = (props["ClusterName"], profile.fargate_profile_name)
        return resource

    def delete(self, account_id, region_name):
        cluster, name = self.key
        backend = eks(account_id, region_name)
        if cluster in backend.clusters and name in backend.clusters[cluster].fargate_profiles:
            backend.delete_fargate_profile(cluster_name=cluster, fargate_profile_name=name)


AUTO_MODE = gap("auto_mode", """an EKS Auto Mode cluster through CloudFormation: ComputeConfig (its node
    pools and node role), StorageConfig and KubernetesNetworkConfig.ElasticLoadBalancing kept and
    described, on together or not at all, as EKS requires (moto knew none of them)""")


def apply_auto_mode(cluster, props):
    """Keeps a cluster template's Auto Mode settings on the moto cluster, refusing a partial
    configuration as EKS does."""
    compute = props.get("ComputeConfig") or {}
    storage = (props.get("StorageConfig") or {}).get("BlockStorage") or {}
    balancing = (props.get("KubernetesNetworkConfig") or {}).get("ElasticLoadBalancing") or {}
    settings = [is_true(compute.get("Enabled", False)), is_true(storage.get("Enabled", False)), is_true(balancing.get("Enabled", False))]
    if any(settings) and not all(settings):
        raise InvalidParameterException(
            message="For EKS Auto Mode, computeConfig.enabled, storageConfig.blockStorage.enabled and "
            "kubernetesNetworkConfig.elasticLoadBalancing.enabled must all be true or all be false",
        )
    if compute.get("NodePools") and not compute.get("NodeRoleArn"):
        raise InvalidParameterException(message="nodeRoleArn is required when nodePools are given")
    on = all(settings)
    cluster.compute_config = {"enabled": on, "nodePools": list(compute.get("NodePools", [])) if on else []}
    if on and compute.get("NodeRoleArn"):
        cluster.compute_config["nodeRoleArn"] = compute["NodeRoleArn"]
    cluster.storage_config = {"blockStorage": {"enabled": on}}
    cluster.kubernetes_network_config = {**cluster.kubernetes_network_config, "elasticLoadBalancing": {"enabled": on}}


@replaces(Cluster, "__init__", AUTO_MODE)
def _cluster_without_auto_mode(self, *args, **kwargs):
    _cluster_without_auto_mode.original(self, *args, **kwargs)
    apply_auto_mode(self, {})
