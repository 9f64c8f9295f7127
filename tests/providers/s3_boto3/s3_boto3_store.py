"""The ready boto3 provider; endpoint and credentials come from the host's config."""

from gestalt.s3 import boto3_provider

s3 = boto3_provider()
