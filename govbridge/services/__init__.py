"""Service items (政务服务事项): materials, time limits, holiday calendar, BPMN processes."""
