"""Amazon Cognito user pool Lambda triggers (runtime code only).

One module per trigger, each exposing ``handler(event, context)``. This package is the Lambda
asset root: it may import only the standard library and, in the triggers that call AWS, the
runtime's boto3. It never imports aws_cdk. See docs/triggers.md for the configuration contract.
``api_whoami`` is not a trigger: it is the example backend of the APIs (docs/apis.md).
"""
