import pytest

pytest.register_assert_rewrite("tests.keystores.contract")  # its asserts explain failures
