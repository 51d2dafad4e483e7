"""`upload.store_results`: whether the upload pattern keeps its results in a table of its own (issue 9)."""

from ecs_event_patterns.config.settings import UploadSettings
from ecs_event_patterns.config.stack_config import parse_stack_config
from tests.config.conftest import Problems
from tests.config.test_enabled_patterns import PROD

UNPROTECTED = {"data": {"deletion_protection": False, "point_in_time_recovery": False}}
OWN_JOB = {"image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/team-jobs@sha256:{'a' * 64}"}
WITHOUT_RESULTS = {"store_results": False, "container": OWN_JOB}


def test_results_are_stored_unless_the_config_says_otherwise():
    assert UploadSettings().store_results is True
    without = parse_stack_config({"upload": {**WITHOUT_RESULTS, "store_results": "false"}}, "dev")
    assert without.upload.store_results is False


def test_prod_needs_no_table_protection_without_a_results_table():
    settings = parse_stack_config({**PROD, **UNPROTECTED, "upload": WITHOUT_RESULTS}, "prod")

    assert (settings.upload.store_results, settings.data.point_in_time_recovery) == (False, False)


def test_prod_needs_table_protection_with_a_results_table(problems_of: Problems):
    assert problems_of({**PROD, **UNPROTECTED, "upload": {"store_results": True}}, "prod") == [
        "data.point_in_time_recovery: false is not allowed in prod; the results table must survive a bad "
        "write or a mistaken delete",
        "data.deletion_protection: false is not allowed in prod; the results table must survive a bad write "
        "or a mistaken delete",
    ]


def test_the_bundled_worker_cannot_go_without_its_table(problems_of: Problems):
    assert problems_of({"upload": {"store_results": False}}) == [
        "upload.store_results: false, but the job is the bundled example worker (services.ingest), whose "
        "results are the table's items: without a table it stops at start (exit 2); give the job a "
        "container of its own (container.build or container.image) whose handler returns nothing, or "
        "remove store_results"
    ]


def test_store_results_is_a_flag(problems_of: Problems):
    assert problems_of({"upload": {"store_results": "no"}}) == [
        'upload.store_results: "no" is not true or false'
    ]
