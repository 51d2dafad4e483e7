"""The moto server fixtures of tests/services, for the example's handlers run as their containers run them."""

from tests.services.conftest import aws, moto_endpoint

__all__ = ["aws", "moto_endpoint"]
