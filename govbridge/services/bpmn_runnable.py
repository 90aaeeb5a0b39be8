"""The runnable form of a checked BPMN document: what SpiffWorkflow is given. Pure: no I/O.

Modelers draw the same process in many ways; the engine runs one. `runnable_copy` turns a
document that `bpmn_checks` accepted into that one form, on a copy (the stored document
never changes):

- descriptive elements go (data objects and stores, io specifications, data
  associations, properties, resources, global tasks, vendor extensions, the diagram);
  every process is executable;
- who does a task: a plain task, a manual task, a collapsed sub-process or a call of a
  global task in a drawn lane or a pool is a user task of that lane; outside any lane or
  pool it passes through (a platform step, like a service task, a business-rule task, a
  script and a send or receive task without a message);
- lanes: a node outside any lane takes its pool's (participant's) name as its lane, and
  a process without lanes or pool its own name, so every user task of a run names the lane
  its department is mapped from; `lane_map` adds the mapped credit code to a lane's name
  (`department_of_lane` then reads it, as with the credit-code-in-the-name shortcut);
- flows: conditions are rewritten from their dialect (`dialect_condition`); an exclusive
  gateway's one flow without a condition is its default; an inclusive gateway's flows
  without a condition are always taken; a task with several outgoing flows gets an
  explicit parallel (or, with conditions, inclusive) split; link events become the
  sequence flow they stand for;
- a run begins when the case is accepted: without a plain start event, the message
  start events of the first process are that moment;
- what `bpmn_checks` reported as a blocker gets a stand-in so the copy still loads
  (cardinality 1, a loop maximum of 1, a timer of PT0S, compensation removed); such a
  process is never published, so the stand-ins only serve `govbridge service check-bpmn`
  and tests.
"""

from __future__ import annotations

import copy

from lxml import etree

from govbridge.services.bpmn_checks import (
    BPMN_NS,
    FLOW_NODES,
    GATEWAYS,
    condition_text,
    is_collapsed,
    local_name,
)

DESCRIPTIVE = frozenset({
    "dataStore", "dataStoreReference", "dataObject", "dataObjectReference",
    "dataInputAssociation", "dataOutputAssociation", "ioSpecification", "property",
    "extensionElements", "resource", "potentialOwner", "performer", "humanPerformer",
    "resourceRole", "globalTask", "globalUserTask", "globalManualTask", "globalScriptTask",
    "globalBusinessRuleTask", "itemDefinition", "import", "interface", "relationship",
    "dataState", "textAnnotation", "association", "group", "category",
})
PLATFORM_STEP = "serviceTask"


def _q(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"


def _retag(el: etree._Element, local: str) -> None:
    el.tag = _q(local)


def _strip(root: etree._Element) -> None:
    for el in list(root.iter()):
        if el.getparent() is None:
            continue
        if not isinstance(el.tag, str):
            el.getparent().remove(el)
            continue
        ns = etree.QName(el).namespace or ""
        if ns != BPMN_NS or local_name(el) in DESCRIPTIVE:  # the diagram (DI) goes too
            el.getparent().remove(el)
    for el in root.iter():
        if isinstance(el.tag, str):
            for name in [a for a in el.attrib if a.startswith("{")]:
                del el.attrib[name]


def _lanes_of(root: etree._Element) -> dict[str, etree._Element]:
    """Flow node id -> its (innermost) lane element."""
    lanes: dict[str, etree._Element] = {}
    for ref in root.iter(_q("flowNodeRef")):
        if ref.text:
            lanes[ref.text.strip()] = ref.getparent()
    return lanes


def _pools(root: etree._Element) -> dict[str, str]:
    """Process id -> the name of the pool (participant) drawn for it."""
    return {p.get("processRef", ""): (p.get("name") or p.get("id") or "").strip()
            for p in root.iter(_q("participant")) if p.get("processRef")}


def _flows_from(scope: etree._Element, node: str) -> list[etree._Element]:
    return [f for f in scope if local_name(f) == "sequenceFlow" and f.get("sourceRef") == node]


def _messages(root: etree._Element) -> None:
    """Every message event and send/receive task names a message the engine can match:
    the two ends of a message flow share one; a message without a name takes its id."""
    for message in root.iter(_q("message")):
        message.set("name", (message.get("name") or message.get("id") or "").strip())
    nodes = {el.get("id"): el for el in root.iter() if local_name(el) in FLOW_NODES}
    definitions = root

    def message_of(el: etree._Element) -> etree._Element | None:
        if local_name(el) in ("sendTask", "receiveTask"):
            return el
        return next((c for c in el if local_name(c) == "messageEventDefinition"), None)

    def ensure(ident: str, name: str) -> str:
        if not any(m.get("id") == ident for m in root.iter(_q("message"))):
            definitions.insert(0, etree.Element(_q("message"), id=ident, name=name))
        return ident

    for i, flow in enumerate(root.iter(_q("messageFlow"))):
        ends = [message_of(nodes[r]) for r in (flow.get("sourceRef"), flow.get("targetRef"))
                if r in nodes]
        ends = [e for e in ends if e is not None]
        if not ends:
            continue
        ref = next((e.get("messageRef") for e in ends if e.get("messageRef")), None) or ensure(
            f"govbridge.message.{i}", (flow.get("name") or flow.get("id") or "").strip())
        for end in ends:
            end.set("messageRef", end.get("messageRef") or ref)
    for el in list(root.iter(_q("messageEventDefinition"))):
        if not el.get("messageRef"):
            event = el.getparent()
            el.set("messageRef", ensure(f"govbridge.message.{event.get('id')}",
                                        (event.get("name") or event.get("id") or "").strip()))


def _who_does_tasks(root: etree._Element, lanes: dict[str, etree._Element],
                    pools: dict[str, str]) -> None:
    globals_ = {g.get("id"): local_name(g) for g in root if local_name(g) in (
        "globalTask", "globalUserTask", "globalManualTask", "globalScriptTask",
        "globalBusinessRuleTask")}
    processes = {p.get("id") for p in root.iter(_q("process"))}

    def visit(scope: etree._Element, in_lane: bool) -> None:
        for el in scope:
            local = local_name(el)
            if local not in FLOW_NODES:
                continue
            placed = in_lane or el.get("id") in lanes
            if local == "callActivity" and el.get("calledElement") not in processes:
                called = globals_.get(el.get("calledElement"))
                local = "userTask" if called in ("globalUserTask", "globalManualTask") else "task"
                el.attrib.pop("calledElement", None)
            if is_collapsed(el):
                local = "task"
            if local in ("task", "manualTask", "userTask"):
                _retag(el, "userTask" if (placed or local != "task") else PLATFORM_STEP)
            elif local in ("businessRuleTask", "scriptTask"):
                _retag(el, PLATFORM_STEP)
                for script in el.findall(_q("script")):
                    el.remove(script)
            elif local in ("sendTask", "receiveTask") and not el.get("messageRef"):
                _retag(el, PLATFORM_STEP)
            elif local in ("subProcess", "transaction", "adHocSubProcess"):
                _retag(el, "subProcess")
                visit(el, placed)
            elif local == "complexGateway":
                _retag(el, "inclusiveGateway")

    for process in root.iter(_q("process")):
        visit(process, process.get("id") in pools)


def _inject_lanes(root: etree._Element, lanes: dict[str, etree._Element],
                  pools: dict[str, str]) -> None:
    for process in root.iter(_q("process")):
        loose = [el.get("id") for el in process
                 if local_name(el) in FLOW_NODES and el.get("id") not in lanes]
        if not loose:
            continue
        name = pools.get(process.get("id", "")) or (
            process.get("name") or process.get("id") or "").strip()
        lane_set = process.find(_q("laneSet"))
        if lane_set is None:
            lane_set = etree.Element(_q("laneSet"), id=f"{process.get('id')}.lanes")
            process.insert(0, lane_set)
        lane = etree.SubElement(lane_set, _q("lane"), id=f"{process.get('id')}.pool",
                                name=name)
        for ident in loose:
            etree.SubElement(lane, _q("flowNodeRef")).text = ident


def _name_lanes(root: etree._Element, lane_map: dict[str, str]) -> None:
    for lane in root.iter(_q("lane")):
        name = (lane.get("name") or lane.get("id") or "").strip()
        lane.set("name", name)
        code = lane_map.get(name)
        if code and code not in name.split():
            lane.set("name", f"{name} {code}")


def _conditions(scope: etree._Element) -> None:
    for flow in [f for f in scope if local_name(f) == "sequenceFlow"]:
        cond = flow.find(_q("conditionExpression"))
        if cond is None:
            continue
        text = condition_text(flow)
        if text:
            for name in list(cond.attrib):
                del cond.attrib[name]
            cond.text = text
        else:
            flow.remove(cond)
    for gateway in [g for g in scope if local_name(g) in ("exclusiveGateway", "inclusiveGateway")]:
        outs = _flows_from(scope, gateway.get("id", ""))
        if len(outs) < 2:
            continue
        bare = [f for f in outs if f.find(_q("conditionExpression")) is None
                and f.get("id") != gateway.get("default")]
        if local_name(gateway) == "exclusiveGateway" and bare and not gateway.get("default"):
            gateway.set("default", bare.pop(0).get("id", ""))
        for flow in bare:
            always = local_name(gateway) == "inclusiveGateway"
            etree.SubElement(flow, _q("conditionExpression")).text = str(always)


def _splits(scope: etree._Element) -> None:
    """A non-gateway with several outgoing flows: an explicit split after it."""
    for node in [n for n in scope if local_name(n) in FLOW_NODES - GATEWAYS]:
        outs = _flows_from(scope, node.get("id", ""))
        if len(outs) < 2:
            continue
        conditional = any(f.find(_q("conditionExpression")) is not None for f in outs)
        split_id = f"{node.get('id')}.split"
        etree.SubElement(scope, _q("inclusiveGateway" if conditional else "parallelGateway"),
                         id=split_id)
        for flow in outs:
            flow.set("sourceRef", split_id)
            if conditional and flow.find(_q("conditionExpression")) is None:
                etree.SubElement(flow, _q("conditionExpression")).text = "True"
        etree.SubElement(scope, _q("sequenceFlow"), id=f"{split_id}.in",
                         sourceRef=node.get("id", ""), targetRef=split_id)
        for child in node.findall(_q("outgoing")):
            node.remove(child)


def _links(scope: etree._Element) -> None:
    """Link events: the throw and the catch of one name are one sequence flow."""
    catches: dict[str, etree._Element] = {}
    throws: list[etree._Element] = []
    for el in scope:
        link = next((c for c in el if local_name(c) == "linkEventDefinition"), None)
        if link is None:
            continue
        el.remove(link)
        name = (link.get("name") or el.get("name") or "").strip()
        if local_name(el) == "intermediateCatchEvent":
            catches[name] = el
            _retag(el, "intermediateThrowEvent")  # a none event that passes through
        else:
            throws.append(el)
            el.set("_link", name)
    for throw in throws:
        target = catches.get(throw.attrib.pop("_link"))
        if target is not None:
            etree.SubElement(scope, _q("sequenceFlow"), id=f"{throw.get('id')}.link",
                             sourceRef=throw.get("id", ""), targetRef=target.get("id", ""))


def _stand_ins(root: etree._Element) -> None:
    for mi in root.iter(_q("multiInstanceLoopCharacteristics")):
        if not any(local_name(c) in ("loopCardinality", "loopDataInputRef") for c in mi):
            etree.SubElement(mi, _q("loopCardinality")).text = "1"
    for loop in root.iter(_q("standardLoopCharacteristics")):
        if not loop.get("loopMaximum") and loop.find(_q("loopCondition")) is None:
            loop.set("loopMaximum", "1")
    for ted in root.iter(_q("timerEventDefinition")):
        exprs = [c for c in ted if local_name(c) in ("timeDuration", "timeDate", "timeCycle")]
        if not exprs or not (exprs[0].text or "").strip():
            for c in exprs:
                ted.remove(c)
            etree.SubElement(ted, _q("timeDuration")).text = "PT0S"
    for cond in root.iter(_q("condition")):
        cond.text = str(cond.text or "").strip() or "False"
    for el in list(root.iter()):
        if el.getparent() is None or not isinstance(el.tag, str):
            continue
        if local_name(el) in ("compensateEventDefinition", "cancelEventDefinition"):
            event = el.getparent()
            if local_name(event) == "boundaryEvent":
                event.getparent().remove(event)
            else:
                event.remove(el)
        elif el.get("isForCompensation", "").lower() == "true":
            el.getparent().remove(el)


def _scopes(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if local_name(el) in ("process", "subProcess")]


def top_processes(root: etree._Element) -> list[str]:
    """Ids of the processes a run starts: those with flow nodes that no call activity
    calls (a collaboration's pools, or the one process of a plain document)."""
    called = {c.get("calledElement") for c in root.iter(_q("callActivity"))}
    return [p.get("id", "") for p in root.iter(_q("process"))
            if p.get("id") not in called and any(local_name(c) in FLOW_NODES for c in p)]


def _first_start(root: etree._Element) -> None:
    """A run begins when the case is accepted: when no process a run starts has a plain
    start event, the message (or signal) start events of the first one are that moment."""
    tops = [p for p in root.iter(_q("process")) if p.get("id") in top_processes(root)]
    plain = [e for p in tops for e in p if local_name(e) == "startEvent"
             and not any(local_name(c) and local_name(c).endswith("EventDefinition")
                         for c in e)]
    if plain or not tops:
        return
    for event in [e for e in tops[0] if local_name(e) == "startEvent"]:
        for definition in [c for c in event if local_name(c) in (
                "messageEventDefinition", "signalEventDefinition")]:
            event.remove(definition)


def _one_collaboration(root: etree._Element) -> None:
    """Several processes start together: one collaboration naming them all (the engine
    reads only a document's first collaboration)."""
    tops = top_processes(root)
    for old in root.findall(_q("collaboration")):
        root.remove(old)
    if len(tops) > 1:
        collaboration = etree.Element(_q("collaboration"), id="govbridge.run")
        for i, pid in enumerate(tops):
            etree.SubElement(collaboration, _q("participant"), id=f"govbridge.pool.{i}",
                             processRef=pid)
        root.insert(0, collaboration)


def runnable_copy(root: etree._Element, lane_map: dict[str, str] | None = None,
                  ) -> etree._Element:
    """The copy of a checked document that SpiffWorkflow loads (see the module docstring)."""
    made = copy.deepcopy(root)
    lanes = _lanes_of(made)
    pools = _pools(made)
    _messages(made)
    _who_does_tasks(made, lanes, pools)
    _strip(made)
    for process in made.iter(_q("process")):
        process.set("isExecutable", "true")
    _stand_ins(made)
    for scope in _scopes(made):
        _links(scope)
        _conditions(scope)
        _splits(scope)
    _inject_lanes(made, lanes, pools)
    _name_lanes(made, lane_map or {})
    _first_start(made)
    _one_collaboration(made)
    return made

