"""The gap of `server`: one request at a time, shown on the dispatcher itself (with a slow
stand-in for moto's) and through the server (two creates of one stack at once)."""

import concurrent.futures
import json
import threading
import time

import botocore.exceptions

import eksharden_moto  # noqa: F401
from conftest import unique
from eksharden_moto.server import _one_request_at_a_time


def test_one_request_at_a_time(monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()

    def slow_dispatch(app, environ, start_response):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return [b""]

    monkeypatch.setattr(_one_request_at_a_time, "original", slow_dispatch)
    threads = [threading.Thread(target=_one_request_at_a_time, args=(None, {}, None)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_two_creates_of_one_stack_at_once_make_one(aws):
    """Through the server: moto checked the name, then built the stack, so two CreateStack
    calls at once both passed the check; one at a time, the second is refused."""
    name = unique("race")
    template = json.dumps({"Resources": {"Wait": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}})

    def create(_):
        try:
            aws("cloudformation").create_stack(StackName=name, TemplateBody=template)
            return "created"
        except botocore.exceptions.ClientError as error:
            return error.response["Error"]["Code"]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = sorted(pool.map(create, range(4)))
    assert answers.count("created") == 1, answers
    assert set(answers) - {"created"} == {"AlreadyExistsException"}
    stacks = aws("cloudformation").list_stacks()["StackSummaries"]
    assert sum(1 for s in stacks if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE") == 1
