"""Labels of the emergency domain's values (dispatch states, resource kinds, CAP severities,
timeline steps, report statuses), marked for extraction and translated at render time."""

from __future__ import annotations

from govbridge.web.translations import N_, NC_, Labels

DISPATCH_STATUS: Labels = {
    "requested": NC_("dispatch status", "Requested"),
    "committed": NC_("dispatch status", "Committed"),
    "deployed": NC_("dispatch status", "Deployed"),
    "released": NC_("dispatch status", "Released"),
}

RESOURCE: Labels = {
    "people": N_("People"),
    "vehicles": N_("Vehicles"),
    "pumps": N_("Pumps"),
    "sandbags": N_("Sandbags"),
    "shelters": N_("Shelters"),
    "boats": N_("Boats"),
}

SEVERITY: Labels = {
    "Extreme": N_("Extreme"),
    "Severe": N_("Severe"),
    "Moderate": N_("Moderate"),
    "Minor": N_("Minor"),
    "Unknown": NC_("severity", "Unknown"),
}

TIMELINE: Labels = {
    "opened": N_("Incident opened"),
    "alert": N_("Alert"),
    "request": N_("Resources requested"),
    "commit": N_("Resources committed"),
    "report": N_("Status reported"),
    "release": N_("Resources released"),
}

REPORT_STATUS: Labels = {
    "en_route": N_("En route"),
    "on_scene": N_("On scene"),
    "deployed": NC_("report status", "Deployed"),
    "completed": NC_("report status", "Completed"),
}

INCIDENT_STATUS: Labels = {
    "open": NC_("incident status", "Open"),
    "closed": NC_("incident status", "Closed"),
}
