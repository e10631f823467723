"""Stacks that succeed, fail and go away the way CloudFormation's do."""

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpcs import VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

from .cfn_types import EksCluster, EksNodegroup
from .common import ec2
from .registry import CLOUDFORMATION_TYPES, adds, gap, replaces

TYPES = gap("cloudformation_type_map", """the resource types this package adds are in moto's map of
    CloudFormation types (moto builds it once, from the direct subclasses of its model class)""")


@replaces(parsing, "get_model_map", TYPES)
def _model_map():
    models = dict(_model_map.original())
    models.update({model.cloudformation_type(): model for model in CLOUDFORMATION_TYPES})
    return models


UNKNOWN_TYPES = gap("unsupported_types_fail", """a resource type neither moto nor this package supports
    fails its stack, naming the type (moto logged a warning, skipped the resource and reported the
    stack complete, so a test could pass on something that was never made)""")


@replaces(parsing, "resource_class_from_type", UNKNOWN_TYPES)
def _resource_class(resource_type):
    found = _resource_class.original(resource_type)
    if found is None and resource_type not in parsing.NULL_MODELS:
        raise ValidationError(message=f"eksharden's emulator does not support the resource type {resource_type}")
    return found


class ResourceFailed(Exception):
    """A resource of a stack could not be created."""

    def __init__(self, logical_id, resource_type, reason):
        super().__init__(reason)
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


ROLLBACK = gap("failed_resource_rolls_back", """a resource that fails leaves a CREATE_FAILED event
    naming it and its reason, and the stack rolls back to ROLLBACK_COMPLETE, without outputs (moto
    answered HTTP 500 and left the stack half made)""")


@replaces(parsing, "parse_and_create_resource", ROLLBACK)
def _parse_and_create(logical_id, resource_json, *args, **kwargs):
    resource_type = resource_json.get("Type", "") if isinstance(resource_json, dict) else ""
    try:
        return _parse_and_create.original(logical_id, resource_json, *args, **kwargs)
    except ResourceFailed:
        raise
    except Exception as error:  # moto's own errors become a failed resource, as in CloudFormation
        raise ResourceFailed(logical_id, resource_type, f"{type(error).__name__}: {error}") from error


class _NoOutputs(dict):
    """The outputs of a stack that has none."""

    exports = []


@replaces(Stack, "create_resources", ROLLBACK)
def _create_resources(self):
    try:
        _create_resources.original(self)
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


def find_stack(backend, name_or_id):
    """A live stack by name or id."""
    return next((s for s in backend.stacks.values() if name_or_id in (s.stack_id, s.name)), None)


PROTECTION = gap("termination_protection", """UpdateTerminationProtection exists, and termination
    protection blocks DeleteStack""")
DELETE_FAILED = gap("delete_failed_stays", """a stack whose deletion fails stays, as DELETE_FAILED
    (moto dropped it)""")


@replaces(CloudFormationBackend, "delete_stack", PROTECTION)
def _delete_stack(self, name_or_stack_id):
    stack = find_stack(self, name_or_stack_id)
    if stack is None:
        return
    if stack.enable_termination_protection:
        raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
    try:
        _delete_stack.original(self, stack.stack_id)
    except Exception as error:
        self.deleted_stacks.pop(stack.stack_id, None)
        self.stacks[stack.stack_id] = stack
        stack.status = "DELETE_FAILED"
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=f"{type(error).__name__}: {error}")


DELETE_FAILED.closed_by.append("CloudFormationBackend.delete_stack")


@adds(CloudFormationResponse, "update_termination_protection", PROTECTION)
def _update_termination_protection(self):
    stack = find_stack(self.cloudformation_backend, self._get_param("StackName"))
    if stack is None:
        raise ValidationError(self._get_param("StackName"))
    stack.enable_termination_protection = str(self._get_param("EnableTerminationProtection")).lower() == "true"
    return ActionResult({"StackId": stack.stack_id})


LIST_PARAMETERS = gap("list_parameters_as_text", """a list parameter is described as the
    comma-separated text it was given (moto showed the Python list it parsed it into)""")


@replaces(Stack, "parameter_list", LIST_PARAMETERS)
def _parameter_list(self):
    hidden = self.resource_map.no_echo_parameter_keys
    return [
        {"ParameterKey": k, "ParameterValue": "****" if k in hidden else (",".join(map(str, v)) if isinstance(v, list) else v)}
        for k, v in self.resource_map.resolved_parameters.items()
    ]


LIST_DEFAULTS = gap("list_parameter_defaults", """a list parameter's default is a list, as CloudFormation
    takes it (moto split given values but kept a default as one text, so Fn::Join and a resource's
    list property saw its characters)""")


@replaces(parsing.ResourceMap, "load_parameters", LIST_DEFAULTS)
def _load_parameters(self):
    _load_parameters.original(self)
    for name, slot in self._template.get("Parameters", {}).items():
        kind = slot.get("Type", "String")
        value = self.resolved_parameters.get(name)
        listed = kind == "CommaDelimitedList" or kind.startswith("List<")
        if listed and isinstance(value, str) and name not in self.input_parameters:
            self.resolved_parameters[name] = value.split(",") if value else []
            self._parsed_resources[name] = self.resolved_parameters[name]


NETWORK_DELETION = gap("network_stack_deletion", """deleting a stack deletes what it made: moto has
    no deletion for internet gateways and their attachments, route tables, routes and their subnet
    associations, EIPs, NAT gateways, VPC endpoints and flow logs, so a network stack could never
    be deleted""")


class InUse(Exception):
    """A resource cannot go yet; moto's deletion loop tries it again after the others."""


@adds(InternetGateway, "delete", NETWORK_DELETION)
def _delete_internet_gateway(self, account_id, region_name):
    backend = ec2(account_id, region_name)
    if self.id in backend.internet_gateways:
        if self.vpc is not None:
            backend.detach_internet_gateway(self.id, self.vpc.id)
        backend.delete_internet_gateway(self.id)


@adds(VPCGatewayAttachment, "delete", NETWORK_DELETION)
def _delete_gateway_attachment(self, account_id, region_name):
    gateway = ec2(account_id, region_name).internet_gateways.get(self.gateway_id)
    if gateway is not None and gateway.vpc is not None and gateway.vpc.id == self.vpc_id:
        ec2(account_id, region_name).detach_internet_gateway(self.gateway_id, self.vpc_id)


@adds(RouteTable, "delete", NETWORK_DELETION)
def _delete_route_table(self, account_id, region_name):
    backend = ec2(account_id, region_name)
    if self.id in backend.route_tables:
        backend.delete_route_table(self.id)  # refuses while subnets are associated


@adds(Route, "delete", NETWORK_DELETION)
def _delete_route(self, account_id, region_name):
    table = ec2(account_id, region_name).route_tables.get(self.route_table.id)
    if table is not None:
        table._routes.pop(self.id, None)


@adds(SubnetRouteTableAssociation, "delete", NETWORK_DELETION)
def _delete_route_table_association(self, account_id, region_name):
    table = ec2(account_id, region_name).route_tables.get(self.route_table_id)
    if table is not None:
        for association_id, target in list(table._associations.items()):
            if target == self.subnet_id:
                table._associations.pop(association_id)


@adds(ElasticAddress, "delete", NETWORK_DELETION)
def _delete_address(self, account_id, region_name):
    backend = ec2(account_id, region_name)
    if self not in backend.addresses:
        return
    if self.eni is not None and self.eni.id in backend.enis:
        raise InUse(f"{self.allocation_id} is still associated with {self.eni.id}")
    backend.addresses.remove(self)


@adds(NatGateway, "delete", NETWORK_DELETION)
def _delete_nat_gateway(self, account_id, region_name):
    backend = ec2(account_id, region_name)
    if backend.nat_gateways.pop(self.id, None) is not None:
        backend.enis.pop(self._eni.id, None)


@adds(VPCEndPoint, "delete", NETWORK_DELETION)
def _delete_vpc_endpoint(self, account_id, region_name):
    backend = ec2(account_id, region_name)
    if self.id not in backend.vpc_end_points:
        return
    if self.vpc_endpoint_type.lower() == "interface":
        for eni_id in self.network_interface_ids:
            backend.enis.pop(eni_id, None)
    else:
        for table_id in self.route_table_ids:
            table = backend.route_tables.get(table_id)
            if table is not None:
                for route_id, route in list(table._routes.items()):
                    if getattr(route, "vpc_endpoint_id", None) == self.id:
                        table._routes.pop(route_id)
    backend.vpc_end_points.pop(self.id)


@adds(FlowLogs, "delete", NETWORK_DELETION)
def _delete_flow_log(self, account_id, region_name):
    backend = ec2(account_id, region_name)
    if self.id in backend.flow_logs:
        backend.delete_flow_logs([self.id])


STACK_TAGS = gap("stack_tags_on_eks", """a stack's tags, and CloudFormation's aws:cloudformation:*
    tags, go on the EKS clusters and node groups it makes, as on its EC2 resources (moto tagged EC2
    only)""")


@replaces(parsing.ResourceMap, "create", STACK_TAGS)
def _resource_map_create(self, template):
    ready = _resource_map_create.original(self, template)
    stack_tags = {k: v for k, v in self.tags.items() if k != "aws:cloudformation:logical-id"}
    # The resources made, not every logical id: looking one up that was not made makes it.
    for logical_id, instance in list(self._parsed_resources.items()):
        if isinstance(instance, (EksCluster, EksNodegroup)):
            tags = dict(stack_tags, **{"aws:cloudformation:logical-id": logical_id})
            instance.add_stack_tags(self._account_id, self._region_name, tags)
    return ready
