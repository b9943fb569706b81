"""Variants every sweep runs, whatever its sample: option combinations that once failed
`make validate` although the reference documents them. Each must deploy clean; a refusal
breaks the promise as a finding does.

They run with the sample (`make sweep`, in CI) through every scanner of `make validate`, from a
cloud assembly whose folder is named like a CI cache key (16 hex characters): checkov 3.3.30
once reported secrets only from such a path.
"""

from __future__ import annotations

from tests.sweep.variants import Change, Variant

SMS_SIGN_IN = "SMS MFA and phone sign-in failed checkov CKV_AWS_111 on the SMS role"
# Both bases migrate users from an old pool: phone sign-in asks how it verified phone numbers.
PHONES_VERIFIED_IN_THE_OLD_POOL = Change(
    "migration.protected_in_old_pool.<id>",
    ("migration", "protected_in_old_pool", "phone_number_verified"),
    "the old pool verifies phone_number by code only; no client or trigger writes it",
)

REGRESSIONS: tuple[Variant, ...] = (
    Variant(
        "development",
        (
            Change(
                "user_pool.sign_in_identifiers",
                ("user_pool", "sign_in_identifiers"),
                ["username", "phone"],
            ),
            Change("user_pool.mfa.sms", ("user_pool", "mfa", "sms"), True),
            Change(
                "user_pool.standard_attributes.<id>",
                ("user_pool", "standard_attributes", "phone_number"),
                {},
            ),
            PHONES_VERIFIED_IN_THE_OLD_POOL,
        ),
        pinned=SMS_SIGN_IN,
    ),
    Variant(
        "production",
        (
            Change(
                "user_pool.sign_in_identifiers",
                ("user_pool", "sign_in_identifiers"),
                ["email", "phone"],
            ),
            Change(
                "user_pool.account_recovery", ("user_pool", "account_recovery"), "phone_and_email"
            ),
            Change("user_pool.mfa.sms", ("user_pool", "mfa", "sms"), True),
            Change(
                "user_pool.standard_attributes.<id>.required",
                ("user_pool", "standard_attributes", "phone_number", "required"),
                True,
            ),
            PHONES_VERIFIED_IN_THE_OLD_POOL,
        ),
        pinned=SMS_SIGN_IN,
    ),
)
"""SMS MFA with phone sign-in on the development tier; SMS MFA, phone sign-in and phone account
recovery with a required phone number on the production tier."""
