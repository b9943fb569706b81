"""The `multi_region` section: the token issuer form, the key that encrypts the pool, and a
replica of the pool in another Region with its regional settings (docs/multi-region.md).

Everything here is off by default: a file without `multi_region` synthesizes exactly what it
did before (no `IssuerConfiguration`, no `KeyConfiguration`, one stack). The checks that read
other sections (the feature plan, the pool's mail sender, the trigger slots, the APIs) live in
`infra.config.references` (`multi_region_problems`).
"""

from __future__ import annotations

import re
from typing import Final, Literal

from pydantic import Field, field_validator, model_validator

from infra.config.model_base import KeyProblems, Section
from infra.config.regions import region_problem
from infra.config.triggers import SLOT_KEYS
from infra.config.types import EmailAddress, Region, Str
from infra.config.user_pool import SES_IDENTITY_ARN_PATTERN

IssuerForm = Literal["original", "updated"]
ISSUER_FORMS: Final = ("original", "updated")
ISSUER_TYPES: Final = {"original": "ORIGINAL", "updated": "UPDATED"}
"""`IssuerConfiguration.Type` of each form (CloudFormation's AWS::Cognito::UserPool)."""
ISSUER_HOSTS: Final = {"original": "cognito-idp", "updated": "issuer-cognito-idp"}
"""The host of each form: `https://<host>.<region>.amazonaws.com/<pool id>` (Cognito API
reference, IssuerConfigurationType)."""

AWS_OWNED_KEY: Final = "aws_owned"
CREATE_KEY: Final = "create"
# A KMS key ARN; {partition}, {region} and {account} stand for the pool's own. A multi-Region
# key's id starts with `mrk-` (AWS KMS developer guide, "Multi-Region key identifiers").
POOL_KEY_ARN: Final = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*|\{partition\}):kms:"
    r"(?P<region>[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d|\{region\}):"
    r"(?P<account>\d{12}|\{account\}):key/"
    r"(?P<key>mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
MULTI_REGION_KEY_PREFIX: Final = "mrk-"
MAX_REPLICAS: Final = 1
"""Cognito keeps at most one secondary replica of a user directory (developer guide,
"Multi-Region replication for user pools", limitations)."""

REPLICA_REGIONS: Final = frozenset(
    {
        "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
        "ca-central-1", "eu-central-1", "eu-isoe-west-1", "eu-north-1", "eu-west-1",
        "eu-west-2", "eu-west-3", "eusc-de-east-1", "sa-east-1", "us-east-1", "us-east-2",
        "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-isob-west-1", "us-isof-east-1",
        "us-isof-south-1", "us-west-1", "us-west-2",
    }
)  # fmt: skip
"""The Regions whose CloudFormation registry knows both `AWS::Cognito::UserPoolReplica` and
`AWS::Cognito::UserPoolRegionalConfigurationAttachment` (the pinned cfn-lint's schemas; a test
compares). The replica resource is created in the primary's Region and the regional
configuration in the replica's, so both Regions must be here."""

REPLICA_ONLY_SLOTS: Final = ("user_migration",)
"""Slots a replica does without: the secondary pool creates no users (no sign-up, no admin
create, so no migration), so Cognito never calls them there."""


def replica_slots() -> tuple[str, ...]:
    """The trigger slots a replica's regional configuration can fill."""
    return tuple(slot for slot in SLOT_KEYS if slot not in REPLICA_ONLY_SLOTS)


class ReplicaEmailConfig(Section):
    """How the replica sends email while it serves: an SES identity in its own Region, so that
    an outage of the primary's Region does not stop the mail."""

    ses_identity_arn: Str = Field(
        description="ARN of the verified SES identity in the replica's Region that sends its "
        "mail (arn:aws:ses:<replica region>:<account>:identity/<domain>)."
    )
    from_address: EmailAddress | None = Field(
        None, description="From address; default: user_pool.email.from_address."
    )
    from_name: Str | None = Field(
        None, max_length=64, description="Display name; default: user_pool.email.from_name."
    )
    reply_to: EmailAddress | None = Field(
        None, description="Reply-to address; default: user_pool.email.reply_to."
    )
    configuration_set: Str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="SES configuration set in the replica's Region (optional; the pool's is "
        "not used there).",
    )

    @field_validator("ses_identity_arn")
    @classmethod
    def _ses_arn(cls, value: str) -> str:
        match = SES_IDENTITY_ARN_PATTERN.match(value)
        if not match:
            raise ValueError(
                "must be an SES identity ARN: arn:aws:ses:<region>:<account>:identity/<domain>"
            )
        if problem := region_problem(match["region"], needs_user_pools=False):
            raise ValueError(f"its region {match['region']!r}: {problem}")
        return value

    @property
    def ses_region(self) -> str:
        """The Region of the SES identity, read from its ARN."""
        match = SES_IDENTITY_ARN_PATTERN.match(self.ses_identity_arn)
        assert match is not None  # validated above
        return match["region"]


class ReplicaConfig(Section):
    """The secondary pool in one Region: what it does differently from the primary. Everything
    else (clients, groups, users, passwords) Cognito copies from the primary."""

    status: Literal["active", "inactive"] = Field(
        "active",
        description="`active`: the replica serves sign-ins when Cognito fails over to it; "
        "`inactive`: it is kept in sync but does not serve (Cognito starts a new replica "
        "inactive; the kit activates it once its regional settings are in place).",
    )
    email: ReplicaEmailConfig | None = Field(
        None,
        description="The replica's mail sender; required when user_pool.email.sender is `ses`.",
    )
    sms_region: Region | None = Field(
        None,
        description="The Region whose SNS sends the replica's text messages (with the pool's "
        "SMS role); default: the replica's Region.",
    )
    functions: dict[Str, Str] = Field(
        default_factory=dict,
        description="Trigger slot -> your function in the replica's Region, for each slot "
        "where triggers.<slot>.function_arn names a function of the primary's Region; a "
        "function_arn written with `{region}` needs none (it names the replica's). The kit "
        "deploys its own functions in the replica's Region itself.",
    )
    custom_sender_key: Str | None = Field(
        None,
        description="With custom senders: the KMS key in the replica's Region that Cognito "
        "encrypts their codes with there (your senders must decrypt with it).",
    )

    @field_validator("functions")
    @classmethod
    def _slots(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = replica_slots()
        if unknown := sorted(set(value) - set(allowed)):
            raise ValueError(f"{unknown} are not trigger slots a replica runs; allowed: {allowed}")
        return value


class MultiRegionConfig(Section):
    """Issuer form, pool key and replica (docs/multi-region.md). Leave it out for a pool in one
    Region with Cognito's defaults."""

    issuer: IssuerForm | None = Field(
        None,
        description="The `iss` form Cognito writes into tokens: `original` "
        "(https://cognito-idp.<region>.amazonaws.com/<pool id>, the Region that issued the "
        "token) or `updated` (https://issuer-cognito-idp.<primary region>.amazonaws.com/<pool "
        "id>, the same in every Region). Unset: not managed (Cognito's default, original). "
        "Switching it invalidates every verifier that accepts only the old form: see "
        "accepted_issuers.",
    )
    accepted_issuers: tuple[IssuerForm, ...] | None = Field(
        None,
        description="The issuer forms every verifier and API authorizer accepts; default: the "
        "issuer form alone. During a switch list both (first deploy, then switch `issuer`, "
        "then drop the old form once the longest token validity has passed).",
    )
    key: Str | None = Field(
        None,
        description="The KMS key that encrypts the pool's data: `aws_owned`, `create` (a "
        "customer-managed multi-Region key, rotated, with a replica key in the replica's "
        "Region) or the ARN of your key in the pool's Region (an `mrk-` multi-Region key, "
        "replicated by you, when the pool has a replica). Unset: not managed (AWS-owned).",
    )
    replicas: dict[Region, ReplicaConfig] = Field(
        default_factory=dict,
        description="Replica Region -> its regional settings (at most one: Cognito keeps one "
        "secondary replica). Needs the essentials or plus plan, a multi-Region key, and a "
        "pinned account and region.",
    )

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is None or value in (AWS_OWNED_KEY, CREATE_KEY) or POOL_KEY_ARN.match(value):
            return value
        raise ValueError(
            f"allowed: `{AWS_OWNED_KEY}`, `{CREATE_KEY}`, or a KMS key ARN "
            "arn:aws:kms:<region>:<account>:key/<key id> ({region}, {account}, {partition} "
            "stand for the pool's own)"
        )

    @field_validator("accepted_issuers")
    @classmethod
    def _unique_forms(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and (not value or len(set(value)) != len(value)):
            raise ValueError(f"list each issuer form once; allowed: {list(ISSUER_FORMS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MultiRegionConfig:
        problems = KeyProblems(self)
        if self.accepted_issuers is not None and self.issuer_form not in self.accepted_issuers:
            problems.add(
                "accepted_issuers",
                f"leaves out `{self.issuer_form}`, the form the pool issues (issuer): every "
                "verifier would refuse every new token; list it",
            )
        if len(self.replicas) > MAX_REPLICAS:
            problems.add(
                "replicas",
                f"lists {len(self.replicas)} Regions: Cognito keeps at most {MAX_REPLICAS} "
                "secondary replica of a user pool",
                show_value=False,
            )
        problems.raise_any()
        return self

    @property
    def issuer_form(self) -> IssuerForm:
        """The form the pool issues, after its default (Cognito's: original)."""
        return self.issuer or "original"

    @property
    def accepted_forms(self) -> tuple[IssuerForm, ...]:
        """The forms verifiers accept, after the default (the issued form alone)."""
        return self.accepted_issuers or (self.issuer_form,)

    @property
    def configured(self) -> bool:
        """Whether anything is set: an unset section changes no template."""
        return bool(self.model_fields_set)

    @property
    def replica_regions(self) -> tuple[str, ...]:
        return tuple(self.replicas)

    @property
    def multi_region_key(self) -> bool:
        """Whether the configured key can follow the pool into other Regions."""
        if self.key == CREATE_KEY:
            return True
        match = POOL_KEY_ARN.match(self.key or "")
        return match is not None and match["key"].startswith(MULTI_REGION_KEY_PREFIX)


def covered_by_identity(address: str, identity: str) -> bool:
    """Whether an SES identity (an address or a domain) may send as `address`."""
    domain = address.rpartition("@")[2].lower()
    identity = identity.lower()
    return address.lower() == identity or domain == identity or domain.endswith("." + identity)


def issuer_url(form: IssuerForm, region: str, pool_id: str, suffix: str = "amazonaws.com") -> str:
    """The `iss` of a token of `pool_id` issued in `region` (for `updated`: the primary's)."""
    return f"https://{ISSUER_HOSTS[form]}.{region}.{suffix}/{pool_id}"


def accepted_issuer_regions(config: MultiRegionConfig, primary: str) -> list[tuple[str, str]]:
    """(form, Region in the issuer) of every issuer verifiers accept: the original form names
    the Region that issued the token (the primary's and each replica's); the updated form names
    the primary's in every Region."""
    accepted: list[tuple[str, str]] = []
    for form in config.accepted_forms:
        regions = [primary, *config.replica_regions] if form == "original" else [primary]
        accepted += [(form, region) for region in regions]
    return accepted
