"""BPMN as real modelers save it: the 21 reference models of the OMG BPMN MIWG test suite
(read where they live, ../shared/testdata/bpmn-miwg/Reference/) and hostile files, through
`govbridge service check-bpmn` and the engine."""

from __future__ import annotations

import codecs
import contextlib
import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from typer.testing import CliRunner

from bpmn_helpers import linear
from govbridge.cli.main import app
from govbridge.core.errors import Conflict, InvalidInput
from govbridge.services.bpmn import check_document, parse_process, read_document
from govbridge.services.bpmn_checks import parse_xml
from govbridge.services.bpmn_spiff import spiff_spec
from govbridge.services.bpmn_text import document_text
from govbridge.services.engine import ProcessRun
from support import SHARED, need

MIWG = SHARED / "testdata" / "bpmn-miwg" / "Reference"
KEYS = {"file", "accepted", "problems", "lanes", "tasks"}
# Reference models that do not run to their end, and why (all are still accepted).
NOT_EXECUTABLE = {
    "B.2.0.bpmn": "the descriptive conformance model: every event kind at once, loops "
                  "without conditions; the engine stops on its predicted task tree",
    "C.9.2.bpmn": "calls requestDocument_en, which is in another file (C.9.1)",
}


def _models() -> list[Path]:
    need(MIWG.is_dir(), f"the MIWG reference models are not at {MIWG}")
    models = sorted(MIWG.glob("*.bpmn"))
    assert len(models) == 21
    return models


def _check(*files: Path) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(app, ["service", "check-bpmn", *map(str, files), "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_every_reference_model_is_accepted():
    models = _models()
    code, results = _check(*models)
    assert code == 0
    assert [r["file"] for r in results] == [str(m) for m in models]
    for r in results:
        assert set(r) == KEYS and r["accepted"] is True, r
        assert r["tasks"] > 0, r
        for p in r["problems"]:  # what blocks publishing, named precisely
            assert set(p) == {"element", "id", "line", "reason"}
            assert p["element"].startswith("bpmn:") and isinstance(p["line"], int), p
    by_name = {Path(r["file"]).name: r for r in results}
    assert by_name["A.1.0.bpmn"] == {"file": str(MIWG / "A.1.0.bpmn"), "accepted": True,
                                     "problems": [], "lanes": [], "tasks": 3}
    assert by_name["A.4.1.bpmn"]["lanes"] == ["Lane 1", "Lane 2", "Lane 3"]
    compensation = [p for p in by_name["C.6.0.bpmn"]["problems"]
                    if "compensation cannot be run" in p["reason"]]
    assert compensation and all(p["id"] for p in compensation)


class SimpleRule(PythonScriptEngine):
    """Choices by a simple rule: each condition holds the first time it is asked and never
    again (so every loop is left); numbers and ISO 8601 times are themselves."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: dict[tuple[str, str], int] = {}

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        text = expression.strip().strip("\"'")
        if text.isdigit():
            return int(text)
        if text[:1] in "PR" and any(c.isdigit() for c in text):
            return text
        key = (task.task_spec.bpmn_id, expression)
        self.asked[key] = self.asked.get(key, 0) + 1
        return self.asked[key] == 1

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        raise AssertionError("no script may run")

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        return None


def _run_to_end(path: Path) -> BpmnWorkflow:
    """Complete the first ready user task until none is left; when only events wait,
    the first waiting one happens (a message arrives, a timer is due, a signal comes)."""
    _, runnable = read_document(parse_xml(document_text(path.read_bytes(), path.name)))
    spec, subprocesses = spiff_spec(runnable)
    workflow = BpmnWorkflow(spec, subprocesses, script_engine=SimpleRule())
    happened: set[Any] = set()
    for _ in range(500):
        workflow.do_engine_steps()
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if ready:
            assert ready[0].task_spec.lane, f"{ready[0].task_spec.bpmn_id} has no lane"
            ready[0].run()
            continue
        waiting = [t for t in workflow.get_tasks(state=TaskState.WAITING)
                   if getattr(t.task_spec, "event_definition", None) is not None
                   and t.id not in happened]
        if not waiting:
            break
        happened.add(waiting[0].id)
        workflow.catch(BpmnEvent(waiting[0].task_spec.event_definition, {}))
    return workflow


@pytest.mark.parametrize("name", sorted(p.name for p in MIWG.glob("*.bpmn")) or ["none"])
def test_every_executable_reference_model_runs_to_its_end(name):
    path = _models()[0].parent / name
    if name in NOT_EXECUTABLE:
        pytest.skip(NOT_EXECUTABLE[name])
    assert _run_to_end(path).is_completed()


def _hostile() -> dict[str, bytes]:
    text = linear()
    laughs = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                        for i in range(9))
              + "]>" + text.split("\n", 1)[1].replace('name="审核"', 'name="&j;"'))
    return {
        "utf16.bpmn": text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        "bom.bpmn": codecs.BOM_UTF8 + text.encode(),
        "truncated.bpmn": text.encode()[: text.encode().index(b"<bpmn:endEvent") + 9],
        "binary.bpmn": bytes(range(256)) * 8,
        "xxe.bpmn": ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM '
                     '"file:///etc/passwd">]>' + text.split("\n", 1)[1]
                     .replace('name="审核"', 'name="&x;"')).encode(),
        "laughs.bpmn": laughs.encode(),
        "empty.bpmn": b"",
        "html.bpmn": b"<html><body>not bpmn</body></html>",
        "huge.bpmn": text.encode().replace(b"</bpmn:definitions>", b"<!--" + b"x" * 3_000_000
                                           + b"--></bpmn:definitions>"),
    }


def test_hostile_and_odd_files_get_a_result_never_a_traceback(tmp_path):
    files = []
    for name, data in _hostile().items():
        files.append(tmp_path / name)
        files[-1].write_bytes(data)
    code, results = _check(*files, tmp_path / "missing.bpmn")
    assert code == 1
    verdicts = {Path(r["file"]).name: (r["accepted"], r["problems"]) for r in results}
    assert verdicts["utf16.bpmn"] == (True, []) and verdicts["bom.bpmn"] == (True, [])
    for name in ("truncated", "binary", "xxe", "laughs", "empty", "html", "huge", "missing"):
        accepted, problems = verdicts[f"{name}.bpmn"]
        assert accepted is False and problems and problems[0]["reason"], name
    assert "DOCTYPE" in verdicts["xxe.bpmn"][1][0]["reason"]
    assert "DOCTYPE" in verdicts["laughs.bpmn"][1][0]["reason"]
    assert "malformed XML at line" in verdicts["truncated.bpmn"][1][0]["reason"]
    assert "binary" in verdicts["binary.bpmn"][1][0]["reason"]
    assert "larger than 2 MB" in verdicts["huge.bpmn"][1][0]["reason"]
    assert "cannot read the file" in verdicts["missing.bpmn"][1][0]["reason"]


def test_reference_models_without_blockers_run_on_the_platforms_engine(clock):
    """What check-bpmn accepts without a problem is what cases can run: the safe engine,
    state stored and restored after every step, departments from lanes and pools."""
    runnable = [m for m in _models() if not parse_process(m.read_bytes()).blockers]
    assert [m.name for m in runnable] == ["A.1.0.bpmn", "A.3.0.bpmn", "A.4.0.bpmn",
                                          "A.4.1.bpmn", "C.1.1.bpmn", "C.9.1.bpmn"]
    for model in runnable:
        run = ProcessRun.start(model.read_bytes())
        for _ in range(50):
            run = ProcessRun.from_json(run.to_json())
            if run.finished:
                break
            ready = run.ready_tasks()
            if ready:
                assert ready[0].lane, (model.name, ready[0].bpmn_id)
                run.complete(ready[0].id, "approve", {"approved": True, "clarified": "yes"})
            elif run.waiting_messages():
                run.receive(run.waiting_messages()[0])
            else:
                clock.offset += timedelta(days=30)
                assert run.fire_timers() > 0, (model.name, "stuck")
        assert run.finished, model.name


def test_damaged_reference_models_get_a_result_or_a_problem():
    """Elements, attributes and texts of the reference models removed or garbled at random
    (seeded): every file is read, or refused with InvalidInput - never another error; what
    is read without blockers starts on the engine."""
    rng = random.Random(13)
    models = [m.read_bytes() for m in _models()]
    for _ in range(80):
        root = etree.fromstring(rng.choice(models))
        nodes = [e for e in root.iter() if isinstance(e.tag, str) and e.getparent() is not None]
        for _ in range(rng.randint(1, 4)):
            node = rng.choice(nodes)
            roll = rng.random()
            if roll < 0.4 and node.getparent() is not None:
                node.getparent().remove(node)
            elif roll < 0.8 and node.attrib:
                name = rng.choice(sorted(node.attrib))
                node.set(name, rng.choice(["", "x", "Start", "-1", "R/P"]))
            else:
                node.text = rng.choice(["", "${x}", "P", "a b", "= some x in y satisfies z"])
        data = etree.tostring(root)
        try:
            made = parse_process(data)
        except InvalidInput:
            continue
        assert check_document(data, "damaged.bpmn")["accepted"] is True
        if not made.blockers:
            # a run that cannot go on is a 409 of its own, not a server error
            with contextlib.suppress(Conflict):
                ProcessRun.start(data)
