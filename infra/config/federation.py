"""Identity-provider configuration: Google, Facebook, Sign in with Apple, SAML and OIDC.

Secrets are never values here: a client secret or private key is a *reference* to a Secrets
Manager secret (name or ARN, plus the JSON key inside it). The template then carries a
``{{resolve:secretsmanager:...}}`` dynamic reference that CloudFormation resolves at deploy
time, so a rotated secret is picked up by the next deploy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from publicsuffixlist import PublicSuffixList
from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from infra.config.model_base import KeyProblems, Section
from infra.config.types import Bool, ConstructId, NonEmptyStr, Str

# Cognito fixes these provider names for the social types; SAML/OIDC names are free but must
# not collide with them or with the Cognito directory itself.
SOCIAL_PROVIDER_NAMES = {"google": "Google", "facebook": "Facebook", "apple": "SignInWithApple"}
RESERVED_PROVIDER_NAMES = {"cognito", "google", "facebook", "signinwithapple", "loginwithamazon"}
# No underscore: federated user names are "<ProviderName>_<subject>" and the pre-sign-up
# trigger splits them on the first underscore.
ProviderName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,30}[A-Za-z0-9])?$")
]
SECRET_ID_PATTERN = re.compile(
    r"^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+"
    r"|[A-Za-z0-9/_+=.@-]{1,512})$"
)
SAML_EMAIL_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
GOOGLE_CONSUMER_DOMAINS = ("gmail.com", "googlemail.com")
# Google's OpenID Connect issuer: its ID token carries `hd`, the Workspace domain of the account.
GOOGLE_ISSUER = "https://accounts.google.com"
HOSTED_DOMAIN_CLAIM = "hd"
# The pool attribute a Google Workspace (OIDC) provider maps `hd` to; the pre sign-up trigger
# reads it. Cognito writes mapped attributes at every federated sign-in, so it must be mutable.
HOSTED_DOMAIN_ATTRIBUTE = "custom:hd"
APPLE_PRIVATE_RELAY = "privaterelay.appleid.com"
# Mailbox providers whose addresses no Workspace, corporate IdP or Apple can vouch for: anyone
# can open an account there. Not exhaustive; it catches the usual mistakes.
CONSUMER_MAIL_DOMAINS = frozenset(
    {
        *GOOGLE_CONSUMER_DOMAINS,
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
        APPLE_PRIVATE_RELAY,
    }
)


class SecretReference(Section):
    """Where a secret lives: a Secrets Manager secret (name or ARN) and the JSON key inside."""

    secret_id: NonEmptyStr = Field(description="Secrets Manager secret name or ARN.")
    json_key: NonEmptyStr = Field(description="Key of the value inside the secret's JSON.")
    version_id: Str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9-]{32,64}$",
        description="Pin a secret version; change it after a rotation so the next deploy "
        "pushes the new value (default: the current version at the provider's last update).",
    )

    @field_validator("secret_id")
    @classmethod
    def _secret_id(cls, value: str) -> str:
        if not SECRET_ID_PATTERN.match(value):
            raise ValueError("allowed: a Secrets Manager secret name or ARN")
        return value

    @model_validator(mode="before")
    @classmethod
    def _not_a_literal(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                "a literal secret is not allowed in a config file; give "
                "{secret_id: <Secrets Manager name or ARN>, json_key: <key>} instead"
            )
        return value


AttributeMapping = dict[Str, NonEmptyStr]


class _Provider(Section):
    enabled: Bool = Field(True, description="Create the provider in this environment.")
    attribute_mapping: AttributeMapping | None = Field(
        None,
        description="User-pool attribute -> provider attribute; default: the type's mapping.",
    )

    def provider_name(self) -> str:
        """The name Cognito knows the provider by (create-only; shown in the hosted UI)."""
        raise NotImplementedError

    def default_mapping(self) -> dict[str, str]:
        raise NotImplementedError

    def effective_mapping(self) -> dict[str, str]:
        """The attribute mapping after defaults."""
        return dict(self.attribute_mapping or self.default_mapping())

    def email_verified_by_provider(self) -> bool:
        """Whether the provider's email claim may be trusted (e.g. to link accounts)."""
        return False

    def maps_email_verified(self) -> bool:
        """Whether a trusted email must come with a mapped email_verified claim."""
        return self.email_verified_by_provider()

    def email_domains(self) -> tuple[str, ...]:
        """The email domains this provider may vouch for (to link an account or admit a user
        to an invite-only pool): only domains it owns. None by default."""
        return ()

    def vouches_for_subdomains(self) -> bool:
        """Whether its email domains also cover their subdomains. Only an enterprise IdP's: its
        organisation runs the DNS, hence the mail, of its own domain's subdomains. A Google
        Workspace or an Apple ID proves nothing about a subdomain that is not listed."""
        return False

    def hosted_domain_attribute(self) -> str | None:
        """The pool attribute that must name one of `email_domains()` before this provider
        vouches (Google Workspace's `hd`); None when the provider needs none."""
        return None

    def shared_domain_reasons(self) -> dict[str, str]:
        """Domains this provider knowingly shares with another provider, and why."""
        return {}


SharedDomains = dict[Str, NonEmptyStr]


def _shared_domains_field() -> Any:
    return Field(
        default_factory=dict,
        description="Domain -> why this provider may vouch for it although another enabled "
        "provider vouches for the same domain, a parent or a subdomain of it (by default a "
        "domain and its parents belong to one provider). Both providers must list their side.",
    )


class GoogleProvider(_Provider):
    """Sign in with Google (an OAuth client in Google Cloud console)."""

    type: Literal["google"] = Field(description="Provider type.")
    client_id: NonEmptyStr = Field(description="Google OAuth client id.")
    client_secret: SecretReference = Field(description="Secret reference to the client secret.")
    scopes: tuple[NonEmptyStr, ...] = Field(
        ("openid", "email", "profile"), description="Scopes requested from Google."
    )
    workspace_domains: tuple[Str, ...] = Field(
        (),
        description="Not supported on this type (always empty): Google is authoritative for a "
        "Workspace address only with the `hd` claim, which this provider type does not deliver. "
        "Add the Workspace as an `oidc` provider on Google's issuer instead.",
    )

    @field_validator("workspace_domains")
    @classmethod
    def _workspace(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value:
            raise ValueError(
                "the google provider type cannot vouch for Workspace domains: Google is "
                "authoritative for a non-Gmail address only with the ID token's `hd` claim, and "
                "Cognito's Google type reads profile attributes from Google's People API, which "
                "has no `hd` (AWS documents no way to map it), so a consumer Google account "
                "opened on a company address would pass as a Workspace one. Remove "
                "workspace_domains and add the Workspace as an oidc provider: {type: oidc, "
                f"issuer_url: {GOOGLE_ISSUER}, workspace_domains: {list(value)}, "
                "email_verified_by_idp: true, ...} (docs/configuration.md, docs/triggers.md)"
            )
        return value

    def email_domains(self) -> tuple[str, ...]:
        # A Google account created on any other address only proves a past confirmation mail.
        return GOOGLE_CONSUMER_DOMAINS

    def provider_name(self) -> str:
        return SOCIAL_PROVIDER_NAMES["google"]

    def default_mapping(self) -> dict[str, str]:
        return {
            "email": "email",
            "email_verified": "email_verified",
            "given_name": "given_name",
            "family_name": "family_name",
        }

    def email_verified_by_provider(self) -> bool:
        return True


class FacebookProvider(_Provider):
    """Facebook Login (an app in Meta for Developers). Facebook does not assert verified email."""

    type: Literal["facebook"] = Field(description="Provider type.")
    client_id: NonEmptyStr = Field(description="Facebook app id.")
    client_secret: SecretReference = Field(description="Secret reference to the app secret.")
    api_version: Str = Field(
        "v21.0", pattern=r"^v\d+\.\d+$", description="Graph API version, e.g. v21.0."
    )
    scopes: tuple[NonEmptyStr, ...] = Field(
        ("public_profile", "email"), description="Permissions requested from Facebook."
    )

    def provider_name(self) -> str:
        return SOCIAL_PROVIDER_NAMES["facebook"]

    def default_mapping(self) -> dict[str, str]:
        return {"email": "email", "given_name": "first_name", "family_name": "last_name"}


class AppleProvider(_Provider):
    """Sign in with Apple (a Services ID and a private key in Apple Developer)."""

    type: Literal["apple"] = Field(description="Provider type.")
    services_id: NonEmptyStr = Field(description="Apple Services ID (the OAuth client id).")
    team_id: Str = Field(pattern=r"^[A-Z0-9]{10}$", description="Apple developer team id.")
    key_id: Str = Field(pattern=r"^[A-Z0-9]{10}$", description="Id of the Sign in with Apple key.")
    private_key: SecretReference = Field(description="Secret reference to the .p8 private key.")
    scopes: tuple[Literal["name", "email"], ...] = Field(
        ("name", "email"), description="Scopes requested from Apple."
    )
    trusted_email_domains: tuple[Str, ...] = Field(
        (),
        description="Domains Apple may vouch for (e.g. your own, for Apple IDs your "
        "organisation manages), each exactly (list a subdomain to cover it); default none. "
        "Never Apple's private relay.",
    )
    shared_domains: SharedDomains = _shared_domains_field()

    @field_validator("trusted_email_domains")
    @classmethod
    def _apple_domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _domains(value)
        if any(d == APPLE_PRIVATE_RELAY or d.endswith(f".{APPLE_PRIVATE_RELAY}") for d in value):
            raise ValueError(
                f"{APPLE_PRIVATE_RELAY} addresses are per-app relays, not mailboxes: they can "
                "never match an existing user"
            )
        if consumer := sorted(set(value) & CONSUMER_MAIL_DOMAINS):
            raise ValueError(
                f"{consumer} are public mailbox providers: an Apple ID on such an address "
                "proves nothing about its mailbox today"
            )
        return value

    def email_domains(self) -> tuple[str, ...]:
        return self.trusted_email_domains

    def shared_domain_reasons(self) -> dict[str, str]:
        return dict(self.shared_domains)

    def provider_name(self) -> str:
        return SOCIAL_PROVIDER_NAMES["apple"]

    def default_mapping(self) -> dict[str, str]:
        return {
            "email": "email",
            "email_verified": "email_verified",
            "given_name": "firstName",
            "family_name": "lastName",
        }

    def email_verified_by_provider(self) -> bool:
        return True


class SamlProvider(_Provider):
    """An enterprise SAML 2.0 IdP (Entra ID, Okta, ADFS, ...)."""

    type: Literal["saml"] = Field(description="Provider type.")
    name: ProviderName = Field(description="Provider name (create-only, shown to users).")
    metadata_url: Str | None = Field(None, description="https URL of the IdP metadata.")
    metadata_file: Str | None = Field(
        None, description="IdP metadata XML file, relative to the environments folder."
    )
    identifiers: tuple[NonEmptyStr, ...] = Field(
        (), description="Email domains or ids that route users to this IdP."
    )
    idp_initiated: Bool = Field(
        False, description="Accept unsolicited (IdP-initiated) responses; off unless needed."
    )
    signed_requests: Bool = Field(True, description="Sign authentication requests (RSA-SHA256).")
    encrypted_responses: Bool = Field(False, description="Require encrypted SAML assertions.")
    idp_signout: Bool = Field(False, description="Sign users out of the IdP on logout too.")
    email_verified_by_idp: Bool = Field(
        False,
        description="The IdP guarantees verified email, so accounts may be linked on it.",
    )
    trusted_email_domains: tuple[Str, ...] | None = Field(
        None,
        description="Domains this IdP may vouch for, with their subdomains (needs "
        "email_verified_by_idp); default: the domains among its identifiers. Never a public "
        "mailbox provider or a public suffix.",
    )
    shared_domains: SharedDomains = _shared_domains_field()

    @field_validator("trusted_email_domains")
    @classmethod
    def _idp_domains(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _corporate_domains(value)

    def email_domains(self) -> tuple[str, ...]:
        return _idp_email_domains(
            self.email_verified_by_idp, self.trusted_email_domains, self.identifiers
        )

    def vouches_for_subdomains(self) -> bool:
        return True

    def shared_domain_reasons(self) -> dict[str, str]:
        return dict(self.shared_domains)

    def provider_name(self) -> str:
        return self.name

    def default_mapping(self) -> dict[str, str]:
        return {"email": SAML_EMAIL_CLAIM}

    def email_verified_by_provider(self) -> bool:
        return self.email_verified_by_idp

    def maps_email_verified(self) -> bool:
        # SAML assertions rarely carry a verification claim, so none is required; without one
        # mapped to email_verified, the pre-sign-up trigger never links a SAML user.
        return False

    @field_validator("metadata_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https://[^\s/]+", value):
            raise ValueError("allowed: an https:// URL (metadata must not travel in clear text)")
        return value

    @field_validator("metadata_file")
    @classmethod
    def _metadata_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Resolved against the environments folder (from the validation context)."""
        if value is None:
            return value
        directory = Path((info.context or {}).get("directory", "."))
        path = (directory / value).resolve()
        if not path.is_relative_to(directory.resolve()):
            raise ValueError("allowed: a file inside the environments folder")
        try:
            found = path.is_file()
        except OSError as error:  # a name too long for the file system, for one
            raise ValueError(f"cannot be read: {error.strerror}") from None
        if not found:
            raise ValueError(f"no such file in {directory}")
        return str(path)

    @model_validator(mode="after")
    def _one_metadata_source(self) -> SamlProvider:
        if (self.metadata_url is None) == (self.metadata_file is None):
            raise ValueError("set exactly one of metadata_url or metadata_file")
        return self


class OidcProvider(_Provider):
    """Any OpenID Connect IdP, including Google Workspace on Google's issuer (with
    `workspace_domains`: Google's ID token names the account's Workspace in `hd`)."""

    type: Literal["oidc"] = Field(description="Provider type.")
    name: ProviderName = Field(description="Provider name (create-only, shown to users).")
    issuer_url: Str = Field(description="https issuer URL (where /.well-known is served).")
    client_id: NonEmptyStr = Field(description="OIDC client id.")
    client_secret: SecretReference = Field(description="Secret reference to the client secret.")
    scopes: tuple[NonEmptyStr, ...] = Field(
        ("openid", "email", "profile"), description="Scopes requested from the IdP."
    )
    attribute_request_method: Literal["GET", "POST"] = Field(
        "GET", description="How Cognito calls the userInfo endpoint."
    )
    identifiers: tuple[NonEmptyStr, ...] = Field(
        (), description="Email domains or ids that route users to this IdP."
    )
    email_verified_by_idp: Bool = Field(
        False,
        description="The IdP's email_verified claim may be trusted (mapped and used to link).",
    )
    trusted_email_domains: tuple[Str, ...] | None = Field(
        None,
        description="Domains this IdP may vouch for, with their subdomains (needs "
        "email_verified_by_idp); default: the domains among its identifiers. Never a public "
        "mailbox provider or a public suffix. Not on Google's issuer: use workspace_domains.",
    )
    workspace_domains: tuple[Str, ...] = Field(
        (),
        description=f"Only with issuer_url {GOOGLE_ISSUER}: the Google Workspace domains this "
        "provider vouches for, each exactly, and only when Google's `hd` claim (mapped to "
        f"{HOSTED_DOMAIN_ATTRIBUTE}, which user_pool.custom_attributes must define) names one "
        "of them. Needs email_verified_by_idp.",
    )
    shared_domains: SharedDomains = _shared_domains_field()

    @field_validator("trusted_email_domains")
    @classmethod
    def _idp_domains(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return _corporate_domains(value)

    @field_validator("workspace_domains")
    @classmethod
    def _workspace(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _domains(value)
        if consumer := sorted(set(value) & CONSUMER_MAIL_DOMAINS):
            raise ValueError(
                f"{consumer} are public mailbox providers, not Workspace domains: a Google "
                "account on such an address proves nothing about its mailbox"
            )
        return value

    @model_validator(mode="after")
    def _google_workspace(self) -> OidcProvider:
        problems = KeyProblems(self)
        on_google = self.issuer_url.rstrip("/") == GOOGLE_ISSUER
        if self.workspace_domains and not on_google:
            problems.add(
                "issuer_url",
                f"workspace_domains needs issuer_url {GOOGLE_ISSUER} (Google's ID token is the "
                "one that carries `hd`)",
            )
        if self.workspace_domains and not self.email_verified_by_idp:
            problems.add(
                "email_verified_by_idp", "workspace_domains needs email_verified_by_idp: true"
            )
        if on_google and self.trusted_email_domains is not None:
            problems.add(
                "trusted_email_domains",
                "is not allowed on Google's issuer: Google vouches for a company address only "
                "with `hd`; list the Workspace domains in workspace_domains",
            )
        problems.raise_any()
        return self

    def on_google(self) -> bool:
        """Whether this provider signs users in through Google's own issuer."""
        return self.issuer_url.rstrip("/") == GOOGLE_ISSUER

    def email_domains(self) -> tuple[str, ...]:
        if self.on_google():
            # Any Google account signs in here: only `hd` makes Google authoritative.
            return self.workspace_domains if self.email_verified_by_idp else ()
        return _idp_email_domains(
            self.email_verified_by_idp, self.trusted_email_domains, self.identifiers
        )

    def vouches_for_subdomains(self) -> bool:
        return not self.on_google()

    def hosted_domain_attribute(self) -> str | None:
        return HOSTED_DOMAIN_ATTRIBUTE if self.workspace_domains else None

    def shared_domain_reasons(self) -> dict[str, str]:
        return dict(self.shared_domains)

    def provider_name(self) -> str:
        return self.name

    def default_mapping(self) -> dict[str, str]:
        mapping = {"email": "email"}
        if self.email_verified_by_idp:
            mapping["email_verified"] = "email_verified"
        if self.workspace_domains:
            # Google's ID token: names (profile scope) as the google type maps them, and `hd`.
            mapping |= {"given_name": "given_name", "family_name": "family_name"}
            mapping[HOSTED_DOMAIN_ATTRIBUTE] = HOSTED_DOMAIN_CLAIM
        return mapping

    def email_verified_by_provider(self) -> bool:
        return self.email_verified_by_idp

    @field_validator("issuer_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not re.match(r"^https://[^\s/]+", value):
            raise ValueError("allowed: an https:// issuer URL")
        return value

    @field_validator("scopes")
    @classmethod
    def _openid(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if "openid" not in value:
            raise ValueError("an OIDC provider needs the openid scope")
        return value


_PUBLIC_SUFFIXES = PublicSuffixList()


def public_suffix(domain: str) -> bool:
    """Whether `domain` is a public suffix (co.uk, github.io...): anyone can register a name
    under it, so nobody owns it (the bundled Public Suffix List; no network at run time)."""
    return bool(_PUBLIC_SUFFIXES.is_public(domain))


def _domains(value: tuple[str, ...]) -> tuple[str, ...]:
    if bad := [d for d in value if not DOMAIN_PATTERN.match(d)]:
        raise ValueError(f"{bad}: allowed: lowercase domain names like example.com")
    if suffixes := [d for d in value if public_suffix(d)]:
        raise ValueError(
            f"{suffixes} are public suffixes: anyone can register a domain under them, so no "
            "provider owns them; list your own domains"
        )
    return value


def _corporate_domains(value: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if value is None:
        return value
    _domains(value)
    if consumer := sorted(set(value) & CONSUMER_MAIL_DOMAINS):
        raise ValueError(
            f"{consumer} are public mailbox providers: an enterprise IdP cannot vouch for them, "
            "so its administrators could take over those users"
        )
    return value


def _idp_email_domains(
    verified: bool, explicit: tuple[str, ...] | None, identifiers: tuple[str, ...]
) -> tuple[str, ...]:
    """A SAML/OIDC IdP vouches only for verified email at its own domains: the explicit list,
    else the identifiers that are domains (the ones that route users to it)."""
    if not verified:
        return ()
    if explicit is not None:
        return explicit
    return tuple(
        i
        for i in dict.fromkeys(identifier.lower() for identifier in identifiers)
        if DOMAIN_PATTERN.match(i) and i not in CONSUMER_MAIL_DOMAINS and not public_suffix(i)
    )


IdentityProviderConfig = Annotated[
    GoogleProvider | FacebookProvider | AppleProvider | SamlProvider | OidcProvider,
    Discriminator("type"),
]


def email_trust_problems(provider: _Provider) -> list[str]:
    """Mapping rules that keep unverified email from being trusted (problems of the provider's
    attribute_mapping)."""
    mapping = provider.effective_mapping()
    problems = []
    if provider.maps_email_verified():
        if "email" in mapping and "email_verified" not in mapping:
            problems.append("maps email without email_verified; map email_verified too")
    elif not provider.email_verified_by_provider() and "email_verified" in mapping:
        problems.append(
            "maps email_verified, but this provider's email is not trusted (set "
            "email_verified_by_idp: true only if the IdP guarantees it)"
        )
    attribute = provider.hosted_domain_attribute()
    if attribute is not None and mapping.get(attribute) != HOSTED_DOMAIN_CLAIM:
        problems.append(
            f"must map {attribute} to {HOSTED_DOMAIN_CLAIM!r}: without "
            "Google's hosted-domain claim a consumer Google account on a Workspace address "
            "cannot be told apart"
        )
    elif attribute is None and HOSTED_DOMAIN_ATTRIBUTE in mapping:
        problems.append(
            f"maps {HOSTED_DOMAIN_ATTRIBUTE}, which the pre sign-up trigger "
            "reads as Google's Workspace domain: only an oidc provider on "
            f"{GOOGLE_ISSUER} with workspace_domains may write it"
        )
    return problems


def _provider_names(
    value: dict[str, IdentityProviderConfig],
) -> dict[str, IdentityProviderConfig]:
    problems = KeyProblems(value)
    names: dict[str, str] = {}
    for provider_id, provider in value.items():
        name = provider.provider_name()
        if provider.type in ("saml", "oidc") and name.lower() in RESERVED_PROVIDER_NAMES:
            problems.add(
                (provider_id, "name"), f"{name!r} is reserved by Cognito", show_value=False
            )
        if name.lower() in names:
            problems.add(
                (provider_id,),
                f"provider name {name!r} is already used by {names[name.lower()]}",
            )
        names[name.lower()] = provider_id
        for problem in email_trust_problems(provider):
            problems.add((provider_id, "attribute_mapping"), problem)
    problems.raise_any()
    return value


IdentityProviders = Annotated[
    dict[ConstructId, IdentityProviderConfig], AfterValidator(_provider_names)
]
"""The identity providers of an environment by stable construct id; provider names unique."""


def enabled_providers(
    providers: dict[str, IdentityProviderConfig],
) -> dict[str, IdentityProviderConfig]:
    """The providers created in this environment, by id."""
    return {provider_id: p for provider_id, p in providers.items() if p.enabled}
