"""Provisioning waits for a freshly created IAM role on AWS, and only for that."""

import io
import zipfile

import pytest
from botocore.exceptions import ClientError

from webhookstack.stack.model import DEFAULT_STACK
from webhookstack.stack.package import Package
from webhookstack.stack.provision.functions import FunctionSteps


class FakeLambda:
    def __init__(self, failures):
        self.failures = list(failures)
        self.calls = 0

    def create_function(self, **kwargs):
        self.calls += 1
        if self.failures:
            code, message = self.failures.pop(0)
            raise ClientError({"Error": {"Code": code, "Message": message}}, "CreateFunction")


def steps(lam):
    s = FunctionSteps.__new__(FunctionSteps)
    s.stack, s.lam = DEFAULT_STACK, lam
    return s


def package():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "")
    return Package(buf.getvalue())


def test_a_role_not_yet_assumable_is_retried(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    lam = FakeLambda([("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")] * 2)
    steps(lam)._create_function("arn:role", package(), {})
    assert lam.calls == 3


def test_other_errors_are_not_retried():
    lam = FakeLambda([("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes")])
    with pytest.raises(ClientError):
        steps(lam)._create_function("arn:role", package(), {})
    assert lam.calls == 1
