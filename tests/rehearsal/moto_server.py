"""A local AWS emulator for the deploy rehearsal: moto's server, patched where the deploy path
of the real CDK CLI needs it, bound to 127.0.0.1 only.

Stock moto 5.2.5 gets eight things wrong on that path; each patch below names the symptom it
fixes and is applied in-process (reversibly) before the server starts. Each has a test in
`test_moto_patches.py` that shows the stock gap, so a moto upgrade says which are still needed.
The stand-ins of patch 1 carry any property (the passwordless ones: sign-in policy, WebAuthn
relying party, passkeys as MFA, ALLOW_USER_AUTH) without judging it: Cognito's own refusals are
the config's job (infra/config/sign_in.py), not the emulator's.

    python -m tests.rehearsal.moto_server [--port N]   serve until Ctrl-C (manual debugging)
"""

from __future__ import annotations

import argparse
import string
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any
from unittest import mock

import moto
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.cloudformation.exceptions import (
    CloudFormationError,
    UnformattedGetAttTemplateException,
    ValidationError,
)
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult, EmptyResult
from moto.iam.models import Group, ManagedPolicy, Role, User, iam_backends
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.models import moto_api_backend
from moto.server import ThreadedMotoServer
from moto.utilities.utils import get_partition

MOTO_VERSION = "5.2.5"
LOOPBACK = "127.0.0.1"

Backend = cfn_models.CloudFormationBackend
Properties = dict[str, Any]
Identify = Callable[[Properties, str, str], tuple[str, dict[str, str]]]


def check_moto_version() -> None:
    """Every patch reaches into moto's internals: a different version must be re-checked."""
    assert moto.__version__ == MOTO_VERSION, (
        f"moto {moto.__version__} is installed, but the rehearsal's patches were written for "
        f"moto {MOTO_VERSION}: run tests/rehearsal/test_moto_patches.py, drop each patch whose "
        "stock gap is fixed upstream, re-check the others, then update MOTO_VERSION"
    )


# --- 1. Cognito stand-ins ------------------------------------------------------------------
# Symptom: moto's CloudFormation has no AWS::Cognito::* type; it skips them, and the first
# Fn::GetAtt on one (the pool's Arn in a Lambda permission) fails the change set with
# "Fn::GetAtt references undefined resource". A stand-in exists only inside the stack: it has
# the physical id and attributes CloudFormation would return, and nothing in cognito-idp.


def _random(length: int, alphabet: str) -> str:
    return "".join(mock_random.choice(alphabet) for _ in range(length))


_LOWER_ALNUM = string.ascii_lowercase + string.digits


def _user_pool(_: Properties, region: str, account: str) -> tuple[str, dict[str, str]]:
    pool_id = f"{region}_{_random(9, string.ascii_letters + string.digits)}"
    provider = f"cognito-idp.{region}.amazonaws.com/{pool_id}"
    arn = f"arn:{get_partition(region)}:cognito-idp:{region}:{account}:userpool/{pool_id}"
    return pool_id, {
        "UserPoolId": pool_id,
        "Arn": arn,
        "ProviderName": provider,
        "ProviderURL": f"https://{provider}",
    }


def _user_pool_client(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    client_id = _random(26, _LOWER_ALNUM)
    attributes = {"ClientId": client_id, "Name": str(props.get("ClientName", client_id))}
    if props.get("GenerateSecret") in (True, "true"):
        attributes["ClientSecret"] = _random(51, _LOWER_ALNUM)
    return client_id, attributes


def _user_pool_domain(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    return str(props["Domain"]), {
        "CloudFrontDistribution": f"d{_random(13, _LOWER_ALNUM)}.cloudfront.net"
    }


def _named_by(key: str) -> Identify:
    def identify(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
        return str(props.get(key) or _random(12, string.ascii_letters)), {}

    return identify


def _managed_login_branding(_: Properties, __: str, ___: str) -> tuple[str, dict[str, str]]:
    branding_id = str(mock_random.uuid4())
    return branding_id, {"ManagedLoginBrandingId": branding_id}


def _log_delivery(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    pool_id = str(props.get("UserPoolId", ""))
    return pool_id, {"Id": pool_id}


def _identity_pool(props: Properties, region: str, _: str) -> tuple[str, dict[str, str]]:
    pool_id = f"{region}:{mock_random.uuid4()}"
    return pool_id, {"Id": pool_id, "Name": str(props.get("IdentityPoolName", pool_id))}


def _role_attachment(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    pool_id = str(props["IdentityPoolId"])
    return pool_id, {"Id": pool_id}


def _principal_tag(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    # A composite primary identifier is returned joined with "|".
    return f"{props['IdentityPoolId']}|{props['IdentityProviderName']}", {}


def _risk_configuration(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    # Primary identifier: UserPoolId and ClientId, joined with "|" like the principal tag's.
    return f"{props.get('UserPoolId', '')}|{props.get('ClientId', 'ALL')}", {}


def _replica(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    # Primary identifier: UserPoolId and RegionName (the replica is created through the
    # primary's Region); no attribute.
    return f"{props.get('UserPoolId', '')}|{props.get('RegionName', '')}", {}


def _regional_configuration(props: Properties, _: str, __: str) -> tuple[str, dict[str, str]]:
    # Identified by the pool id alone: it configures the pool of its stack's Region.
    return str(props.get("UserPoolId", "")), {}


def _replica_key(props: Properties, region: str, account: str) -> tuple[str, dict[str, str]]:
    # A multi-Region replica key has its primary's key id, in its own Region.
    key_id = str(props.get("PrimaryKeyArn", "")).rpartition("/")[2] or (
        "mrk-" + _random(32, string.hexdigits.lower()[:16])
    )
    return key_id, {
        "KeyId": key_id,
        "Arn": f"arn:{get_partition(region)}:kms:{region}:{account}:key/{key_id}",
    }


STAND_INS: dict[str, Identify] = {
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolDomain": _user_pool_domain,
    "AWS::Cognito::UserPoolGroup": _named_by("GroupName"),
    "AWS::Cognito::UserPoolIdentityProvider": _named_by("ProviderName"),
    "AWS::Cognito::UserPoolResourceServer": _named_by("Identifier"),
    "AWS::Cognito::ManagedLoginBranding": _managed_login_branding,
    "AWS::Cognito::IdentityPool": _identity_pool,
    "AWS::Cognito::IdentityPoolRoleAttachment": _role_attachment,
    "AWS::Cognito::IdentityPoolPrincipalTag": _principal_tag,
    "AWS::Cognito::LogDeliveryConfiguration": _log_delivery,
    "AWS::Cognito::UserPoolRiskConfigurationAttachment": _risk_configuration,
    "AWS::Cognito::UserPoolReplica": _replica,
    "AWS::Cognito::UserPoolRegionalConfigurationAttachment": _regional_configuration,
    # Not Cognito, but only the multi-Region templates use it: moto has no AWS::KMS::ReplicaKey.
    "AWS::KMS::ReplicaKey": _replica_key,
}
"""Every AWS::Cognito::* type the kit's templates use: Ref value and Fn::GetAtt attributes."""

GENERIC_STAND_INS = (
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Stage",
    "AWS::CloudWatch::Alarm",
    # The message-delivery alarm's count of Cognito's delivery-error log (one-time codes).
    "AWS::Logs::MetricFilter",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::WAFv2::LoggingConfiguration",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
)
"""Other types of the kit's templates (APIs, operations) that moto's CloudFormation lacks: an id,
and for any attribute an ARN (names ending in Arn) or that id. Not Cognito-shaped; enough for
the references between them (an alarm's ARN on the dashboard, the web ACL's in its
association) to resolve."""


def _generic(resource_type: str) -> Identify:
    service = resource_type.split("::")[1].lower()

    def identify(_: Properties, region: str, account: str) -> tuple[str, dict[str, str]]:
        physical_id = _random(12, string.ascii_lowercase + string.digits)
        arn = f"arn:aws:{service}:{region}:{account}:{resource_type.split('::')[2].lower()}/"
        return physical_id, {"Id": physical_id, "Arn": arn + physical_id}

    return identify


STAND_INS.update({resource_type: _generic(resource_type) for resource_type in GENERIC_STAND_INS})


class CognitoStandIn(CloudFormationModel):
    """A Cognito resource as CloudFormation reports it; nothing behind it."""

    resource_type = ""

    def __init__(self, properties: Properties, account_id: str, region_name: str) -> None:
        self.properties = properties
        self.physical_resource_id, self.attributes = STAND_INS[self.resource_type](
            properties, region_name, account_id
        )

    @classmethod
    def for_type(cls, resource_type: str) -> type[CognitoStandIn]:
        name = resource_type.rpartition("::")[2] + "StandIn"
        return type(name, (cls,), {"resource_type": resource_type})

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.resource_type

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if self.resource_type in GENERIC_STAND_INS:
            return self.attributes["Arn" if attribute_name.endswith("Arn") else "Id"]
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CognitoStandIn:
        return cls(cloudformation_json.get("Properties", {}), account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: CognitoStandIn,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CognitoStandIn:
        # Updated in place, ids kept: a stand-in never models a replacement (a real resource
        # gets a new id when a create-only property changes).
        original_resource.properties = cloudformation_json.get("Properties", {})
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        """Nothing exists outside the stack."""

    def is_created(self) -> bool:
        return True


@contextmanager
def cognito_stand_ins() -> Iterator[None]:
    """Patch 1: give moto's CloudFormation a stand-in for each AWS::Cognito::* type, and a
    generic one for the other types of the kit's templates it lacks (GENERIC_STAND_INS)."""
    stock = cfn_parsing.get_model_map()
    models = {**stock, **{t: CognitoStandIn.for_type(t) for t in STAND_INS}}
    with mock.patch.object(cfn_parsing, "get_model_map", return_value=models):
        yield


# --- 2. Outputs of a stack created through a change set -------------------------------------
# Symptom: ExecuteChangeSet applies the resources but keeps the template, description and
# output map of the empty stack that CreateChangeSet made; DescribeStacks shows no Outputs, so
# a deploy "succeeds" with an outputs file that holds nothing of the stack, and the bootstrap
# stack reports none of its outputs (BucketName, BootstrapVersion) either.


@contextmanager
def outputs_after_change_set() -> Iterator[None]:
    """Patch 2: rebuild the stack's template, description and outputs after a change set."""
    execute = Backend.execute_change_set

    def execute_change_set(
        self: Backend, change_set_name: str, stack_name: str | None = None
    ) -> None:
        execute(self, change_set_name, stack_name)
        change_set = _find_change_set(self, change_set_name, stack_name)
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()

    with mock.patch.object(Backend, "execute_change_set", execute_change_set):
        yield


# --- 3. Change-set lookup by stack ----------------------------------------------------------
# Symptom: moto finds a change set by name alone (the CDK CLI names every one
# `cdk-deploy-change-set`, so another stack's may answer), reports a missing one as
# ValidationError ("Stack with id cdk-deploy-change-set does not exist") where the CLI expects
# ChangeSetNotFound, so an update deploy fails; and DeleteChangeSet of a missing one crashes (a
# 500 the SDK retries for ~50 s, after which `cdk diff` falls back to a template-only diff).


class ChangeSetNotFoundError(CloudFormationError):
    """CloudFormation's answer for a change set that does not exist."""

    code = "ChangeSetNotFound"  # the model maps it to ChangeSetNotFoundException, HTTP 404

    def __init__(self, name: str) -> None:
        super().__init__(f"ChangeSet [{name}] does not exist")


def _find_change_set(
    backend: Backend, name_or_arn: str, stack_name_or_id: str | None
) -> cfn_models.ChangeSet:
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    for change_set in reversed(list(backend.change_sets.values())):
        if change_set.change_set_name == name_or_arn and stack_name_or_id in (
            change_set.stack_name,
            change_set.stack_id,
        ):
            return change_set
    raise ChangeSetNotFoundError(name_or_arn)


@contextmanager
def change_set_lookup_by_stack() -> Iterator[None]:
    """Patch 3: find a change set by ARN, or by name within its stack; else ChangeSetNotFound."""

    def describe(self: CloudFormationResponse) -> ActionResult:
        change_set = _find_change_set(
            self.cloudformation_backend,
            self._get_param("ChangeSetName"),
            self._get_param("StackName"),
        )
        return ActionResult(change_set)

    def delete(self: CloudFormationResponse) -> ActionResult:
        # Succeeds for a missing change set of an existing stack: the CLI deletes its
        # change set by name before creating one.
        backend = self.cloudformation_backend
        stack_name = self._get_param("StackName")
        if stack_name:
            backend.get_stack(stack_name)
        try:
            change_set = _find_change_set(backend, self._get_param("ChangeSetName"), stack_name)
        except ChangeSetNotFoundError:
            return EmptyResult()
        del backend.change_sets[change_set.change_set_id]
        return EmptyResult()

    def execute(self: CloudFormationResponse) -> ActionResult:
        change_set = _find_change_set(
            self.cloudformation_backend,
            self._get_param("ChangeSetName"),
            self._get_param("StackName"),
        )
        self.cloudformation_backend.execute_change_set(change_set.change_set_id)
        return EmptyResult()

    with (
        mock.patch.object(CloudFormationResponse, "describe_change_set", describe),
        mock.patch.object(CloudFormationResponse, "delete_change_set", delete),
        mock.patch.object(CloudFormationResponse, "execute_change_set", execute),
    ):
        yield


# --- 4. UsePreviousValue of an SSM-typed parameter ------------------------------------------
# Symptom: for UsePreviousValue moto takes the parameter's *resolved* value (BootstrapVersion's
# "30") and resolves it again as an SSM parameter name, which crashes: a 500 the SDK retries for
# ~50 s, then every update deploy fails. CloudFormation keeps the value as given (the SSM
# parameter name) and resolves it on every update.


@contextmanager
def previous_value_as_given() -> Iterator[None]:
    """Patch 4: a stack's previous parameter values are the values as given, not resolved."""

    def stack_parameters(self: cfn_models.Stack) -> dict[str, Any]:
        declared = self.resource_map._template.get("Parameters", {})
        given = self.resource_map.input_parameters
        return {
            key: given[key] if key in given else declared.get(key, {}).get("Default", value)
            for key, value in self.resource_map.resolved_parameters.items()
        }

    with mock.patch.object(cfn_models.Stack, "stack_parameters", property(stack_parameters)):
        yield


# --- 5. Deleting AWS::IAM::ManagedPolicy ----------------------------------------------------
# Symptom: moto never detaches or deletes a managed policy it created for a stack, so the
# roles it is attached to cannot be deleted ("must detach all policies first") and
# `cdk destroy` ends in DELETE_FAILED.


@contextmanager
def managed_policy_deletion() -> Iterator[None]:
    """Patch 5: deleting a stack's managed policy detaches it everywhere, then deletes it."""

    def delete_from_cloudformation_json(
        cls: type[ManagedPolicy],
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = iam_backends[account_id][get_partition(region_name)]
        policy = backend.managed_policies.get(resource_name)
        if policy is None:
            return
        holders: list[Role | User | Group] = [
            *backend.roles.values(),
            *backend.users.values(),
            *backend.groups.values(),
        ]
        for holder in holders:
            if resource_name in holder.managed_policies:
                policy.detach_from(holder)
        backend.delete_policy(resource_name)

    with mock.patch.object(
        ManagedPolicy,
        "delete_from_cloudformation_json",
        classmethod(delete_from_cloudformation_json),
    ):
        yield


# --- 6. Termination protection --------------------------------------------------------------
# Symptom: UpdateTerminationProtection is not implemented (a 500 that the SDK retries for about
# a minute), which every production-tier deploy calls; and DeleteStack ignores the flag.


@contextmanager
def termination_protection() -> Iterator[None]:
    """Patch 6: implement UpdateTerminationProtection and refuse to delete a protected stack."""
    delete_stack = Backend.delete_stack

    def update_termination_protection(self: CloudFormationResponse) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = self._get_bool_param(
            "EnableTerminationProtection", False
        )
        return ActionResult({"StackId": stack.stack_id})

    def guarded_delete_stack(self: Backend, name_or_stack_id: str) -> None:
        for stack in self.stacks.values():
            if name_or_stack_id in (stack.name, stack.stack_id) and (
                stack.enable_termination_protection
            ):
                raise ValidationError(
                    message=f"Stack [{stack.name}] cannot be deleted while "
                    "TerminationProtection is enabled"
                )
        delete_stack(self, name_or_stack_id)

    with (
        mock.patch.object(
            CloudFormationResponse,
            "update_termination_protection",
            update_termination_protection,
            create=True,
        ),
        mock.patch.object(Backend, "delete_stack", guarded_delete_stack),
    ):
        yield


# --- 7. KMS key tags --------------------------------------------------------------------------
# Symptom: a stack with an AWS::KMS::Key that has Tags (the CDK tags every key) fails with a 500:
# moto reads CloudFormation's {Key, Value} tags as the KMS API's {TagKey, TagValue} (KeyError
# 'TagKey'); the CLI reports "@aws-sdk XML parse error" on the HTML error page.


@contextmanager
def kms_key_tags() -> Iterator[None]:
    """Patch 7: translate a KMS key's CloudFormation tags into the KMS API's shape."""
    from moto.kms.models import Key

    stock = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: type[Key],
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Key:
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Tags"] = [
            {
                "TagKey": tag.get("Key", tag.get("TagKey")),
                "TagValue": tag.get("Value", tag.get("TagValue")),
            }
            for tag in properties.get("Tags", [])
        ]
        body = {**cloudformation_json, "Properties": properties}
        return stock(cls, resource_name, body, account_id, region_name, **kwargs)  # type: ignore[no-any-return]

    with mock.patch.object(Key, "create_from_cloudformation_json", classmethod(create)):
        yield


# --- 8. Fn::GetStackOutput --------------------------------------------------------------------
# Symptom: moto's CloudFormation does not know Fn::GetStackOutput, the intrinsic the CDK writes
# for a reference between an environment's stacks in two Regions (a replica's stacks read the
# pool id from the primary's outputs): it passes the function through unresolved, so the
# replica's resources get {"Fn::GetStackOutput": ...} as their pool id.


class StackOutputNotFoundError(ValidationError):
    """CloudFormation's answer when the referenced stack or output does not exist."""

    def __init__(self, stack_name: str, output: str, region: str) -> None:
        super().__init__(
            message=f"Output {output} of stack {stack_name} in {region} does not exist"
        )


@contextmanager
def stack_outputs_across_regions() -> Iterator[None]:
    """Patch 8: resolve Fn::GetStackOutput from the named stack's outputs, in its Region."""
    stock = cfn_parsing.clean_json

    def clean_json(resource_json: Any, resources_map: cfn_parsing.ResourceMap) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
            spec = stock(resource_json["Fn::GetStackOutput"], resources_map)
            account = resources_map._account_id
            region = spec.get("Region") or resources_map._region_name
            backend = cfn_models.cloudformation_backends[account][region]
            for stack in backend.stacks.values():
                if stack.name == spec["StackName"] and stack.status != "DELETE_COMPLETE":
                    output = stack.output_map.get(spec["OutputName"])
                    if output is not None:
                        return output.value
            raise StackOutputNotFoundError(spec["StackName"], spec["OutputName"], region)
        return stock(resource_json, resources_map)

    with mock.patch.object(cfn_parsing, "clean_json", clean_json):
        yield


PATCHES = (
    cognito_stand_ins,
    outputs_after_change_set,
    change_set_lookup_by_stack,
    previous_value_as_given,
    managed_policy_deletion,
    termination_protection,
    kms_key_tags,
    stack_outputs_across_regions,
)


@contextmanager
def patched() -> Iterator[None]:
    """Every patch applied, undone on exit."""
    check_moto_version()
    with ExitStack() as stack:
        for patch in PATCHES:
            stack.enter_context(patch())
        yield


@contextmanager
def running(port: int = 0) -> Iterator[str]:
    """The patched emulator on 127.0.0.1 (a free port unless given); yields its endpoint URL."""
    # moto keeps every backend in this process: a server started after another one (two
    # rehearsal modules on one pytest-xdist worker) must not see the first one's accounts.
    moto_api_backend.reset()
    with patched():
        server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
        server.start()
        try:
            _, bound = server.get_host_and_port()
            yield f"http://{LOOPBACK}:{bound}"
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.rehearsal.moto_server")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    with running(args.port) as endpoint:
        port = endpoint.rpartition(":")[2]
        print(
            f"patched moto {MOTO_VERSION} at {endpoint} (Ctrl-C stops it); for the CDK CLI:\n"
            f"  AWS_ENDPOINT_URL={endpoint} "
            f"AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION=http://localhost:{port}",
            flush=True,
        )
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
