"""Labels of the values campaign and task pages show (states, how a task stands, actions,
timeline entries, the Gantt chart's words), as `labels.py` does for the other areas:
every value's English text marked for the catalog, shown with `label_of(...)`."""

from __future__ import annotations

from govbridge.web.translations import N_, NC_, Labels, Text

TASK_STATE: Labels = {
    "not_started": N_("Not started"),
    "in_progress": NC_("task state", "In progress"),
    "submitted": N_("Awaiting acceptance"),
    "accepted": NC_("task state", "Accepted"),
    "returned": NC_("task state", "Returned"),
    "blocked": N_("Blocked"),
    "cancelled": NC_("task state", "Cancelled"),
}

TASK_STATUS: Labels = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "late": N_("Late"),
    "done": NC_("task status", "Done"),
    "waiting": N_("Awaiting acceptance"),
}

TASK_ACTION: Labels = {
    "start": NC_("task action", "Start"),
    "submit": N_("Submit for acceptance"),
    "accept": N_("Accept"),
    "return": N_("Return with a reason"),
    "block": N_("Mark blocked"),
    "unblock": N_("Unblock"),
    "cancel": N_("Cancel the task"),
}

TASK_EVENT: Labels = {
    "created": NC_("task event", "Created"),
    "start": NC_("task event", "Started"),
    "report": N_("Progress report"),
    "submit": N_("Submitted for acceptance"),
    "accept": NC_("task event", "Accepted"),
    "return": NC_("task event", "Returned"),
    "block": N_("Blocked"),
    "unblock": N_("Unblocked"),
    "cancel": NC_("task event", "Cancelled"),
    "reminder": N_("Reminder sent"),
    "escalation": N_("Escalated"),
    "external": N_("From a linked tool"),
}

TASK_NOTICE: Labels = {
    "created": N_("The campaign was created."),
    "task": N_("The task was added."),
    "reported": N_("Your report was saved."),
    "moved": N_("The task was updated."),
}

TOOL_KIND: Labels = {
    "meeting": N_("Meeting room (Jitsi)"),
    "chat": N_("Chat room (Matrix)"),
    "docs": N_("Shared folder (Nextcloud / OnlyOffice)"),
}

GANTT: Labels = {
    "today": N_("today"),
    "critical": N_("critical path"),
    "late": N_("Late"),
    "at_risk": N_("At risk"),
    "on_track": N_("On track"),
    "done": NC_("task status", "Done"),
    "waiting": N_("Awaiting acceptance"),
    "cancelled": NC_("task state", "Cancelled"),
}


def gantt_words(text: Text) -> dict[str, str]:
    """The Gantt chart's words in the page's language."""
    return {key: text.label(GANTT, key) for key in GANTT}
