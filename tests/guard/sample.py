"""A small, realistic synthesized Cognito template, shaped like `cdk synth` output."""

from __future__ import annotations

import copy
from typing import Any

ENV = "dev"
STEM = "devCognito7ACE1F46"
KEY = f"{ENV}/{STEM}"
FILE_NAME = f"{STEM}.template.json"

POOL = "UserPool6BA7E5F2"
CLIENT = "UserPoolWebClient2F3A4B5C"
DOMAIN = "UserPoolDomain5479B217"
GROUP = "AdminsGroup4D6A2F1C"
IDENTITY_POOL = "IdentityPool7E1B2C3D"
FUNCTION = "PreSignUpFunction1234ABCD"
FUNCTION_ROLE = "PreSignUpFunctionServiceRole5B8C9D0E"
CDK_METADATA = "CDKMetadata"

_POOL_REF = {"Ref": POOL}

_TEMPLATE: dict[str, Any] = {
    "Description": "Cognito user pool, clients and identity pool (dev)",
    "Resources": {
        POOL: {
            "Type": "AWS::Cognito::UserPool",
            "Properties": {
                "AccountRecoverySetting": {
                    "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
                },
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
                "AutoVerifiedAttributes": ["email"],
                "DeletionProtection": "ACTIVE",
                "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                "LambdaConfig": {"PreSignUp": {"Fn::GetAtt": [FUNCTION, "Arn"]}},
                "MfaConfiguration": "OPTIONAL",
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                        "RequireUppercase": True,
                    }
                },
                "Schema": [
                    {"Mutable": True, "Name": "email", "Required": True},
                    {
                        "AttributeDataType": "String",
                        "Mutable": False,
                        "Name": "tenant_id",
                        "StringAttributeConstraints": {"MaxLength": "64", "MinLength": "1"},
                    },
                ],
                "UserPoolName": "dev-users",
                "UserPoolTags": {"project": "cognito", "environment": "dev"},
                "UsernameAttributes": ["email"],
                "UsernameConfiguration": {"CaseSensitive": False},
            },
            "UpdateReplacePolicy": "Retain",
            "DeletionPolicy": "Retain",
            "Metadata": {"aws:cdk:path": "devCognito/UserPool/Resource"},
        },
        CLIENT: {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "AccessTokenValidity": 60,
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthFlowsUserPoolClient": True,
                "AllowedOAuthScopes": ["openid", "email", "profile"],
                "CallbackURLs": ["https://app.example.com/callback"],
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "GenerateSecret": False,
                "IdTokenValidity": 60,
                "LogoutURLs": ["https://app.example.com/"],
                "PreventUserExistenceErrors": "ENABLED",
                "RefreshTokenValidity": 43200,
                "SupportedIdentityProviders": ["COGNITO"],
                "TokenValidityUnits": {
                    "AccessToken": "minutes",
                    "IdToken": "minutes",
                    "RefreshToken": "minutes",
                },
                "UserPoolId": _POOL_REF,
            },
            "Metadata": {"aws:cdk:path": "devCognito/UserPool/WebClient/Resource"},
        },
        DOMAIN: {
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {
                "Domain": "dev-example-auth",
                "ManagedLoginVersion": 2,
                "UserPoolId": _POOL_REF,
            },
            "Metadata": {"aws:cdk:path": "devCognito/UserPool/Domain/Resource"},
        },
        GROUP: {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "Description": "Administrators",
                "GroupName": "admins",
                "Precedence": 0,
                "UserPoolId": _POOL_REF,
            },
            "Metadata": {"aws:cdk:path": "devCognito/AdminsGroup"},
        },
        IDENTITY_POOL: {
            "Type": "AWS::Cognito::IdentityPool",
            "Properties": {
                "AllowUnauthenticatedIdentities": False,
                "CognitoIdentityProviders": [
                    {
                        "ClientId": {"Ref": CLIENT},
                        "ProviderName": {"Fn::GetAtt": [POOL, "ProviderName"]},
                    }
                ],
                "IdentityPoolName": "dev_identities",
            },
            "Metadata": {"aws:cdk:path": "devCognito/IdentityPool/Resource"},
        },
        FUNCTION_ROLE: {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                    "Version": "2012-10-17",
                },
            },
            "Metadata": {"aws:cdk:path": "devCognito/PreSignUp/Function/ServiceRole/Resource"},
        },
        FUNCTION: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {
                    "S3Bucket": {
                        "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
                    },
                    "S3Key": "3f1c0e5a9b7d2f4e6a8c0b1d3e5f7a9c.zip",
                },
                "Handler": "pre_sign_up.handler",
                "MemorySize": 256,
                "Role": {"Fn::GetAtt": [FUNCTION_ROLE, "Arn"]},
                "Runtime": "python3.13",
                "Timeout": 5,
            },
            "DependsOn": [FUNCTION_ROLE],
            "Metadata": {
                "aws:cdk:path": "devCognito/PreSignUp/Function/Resource",
                "aws:asset:path": "asset.3f1c0e5a9b7d2f4e6a8c0b1d3e5f7a9c",
                "aws:asset:property": "Code",
            },
        },
        CDK_METADATA: {
            "Type": "AWS::CDK::Metadata",
            "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA/zPSMzQw1DNQTCwv1k1OydbNyUzSq"},
            "Metadata": {"aws:cdk:path": "devCognito/CDKMetadata/Default"},
        },
    },
    "Parameters": {
        "BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/hnb659fds/version",
        }
    },
}


def cognito_template() -> dict[str, Any]:
    """A fresh copy: tests mutate it freely."""
    return copy.deepcopy(_TEMPLATE)


def rename_resource(template: dict[str, Any], old: str, new: str) -> None:
    """Rename a logical id and every Ref / Fn::GetAtt to it, as a construct rename would."""
    resources = template["Resources"]
    resources[new] = resources.pop(old)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("Ref") == old:
                return {"Ref": new}
            attribute = node.get("Fn::GetAtt")
            if isinstance(attribute, list) and attribute[0] == old:
                return {"Fn::GetAtt": [new, *attribute[1:]]}
            return {key: rewrite(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    template["Resources"] = rewrite(resources)
