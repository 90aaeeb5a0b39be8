"""Labels of governance's values (scorecard dimensions, points movements), translated
through the gettext catalog like `labels.py` (kept apart so the areas merge cleanly)."""

from __future__ import annotations

from govbridge.web.translations import N_, Labels

DIMENSION: Labels = {
    "catalog_coverage": N_("Catalog coverage"),
    "shareable": N_("Datasets shareable"),
    "agreement_on_time": N_("Requests answered on time"),
    "agreement_answer_days": N_("Days to answer a request"),
    "exchange_availability": N_("Exchange availability"),
    "quality": N_("Data quality"),
    "freshness": N_("Freshness against declared frequency"),
    "cases_on_time": N_("Cases completed on time"),
    "materials_by_sharing": N_("Materials obtained by sharing"),
    "certificates_electronic": N_("Certificates issued electronically"),
    "flag_reviews": N_("Unusual-access flags reviewed in time"),
}

DIMENSION_DESC: Labels = {
    "catalog_coverage": N_("Published datasets / datasets registered in the catalog."),
    "shareable": N_("Published datasets shared unconditionally or on conditions / published."),
    "agreement_on_time": N_("Requests answered by their due day / requests due in the period."),
    "agreement_answer_days": N_("Mean days from request to answer (lower is better)."),
    "exchange_availability": N_("Node uptime, 503 rate and latency of the answers."),
    "quality": N_("Mean overall score of each published dataset's latest quality run."),
    "freshness": N_("Published datasets updated within their declared frequency / with one."),
    "cases_on_time": N_("Cases completed by their promised day / cases completed."),
    "materials_by_sharing": N_("Case materials fetched by sharing / materials obtained."),
    "certificates_electronic": N_(
        "Completed cases issued an electronic certificate / completed cases whose item issues "
        "one."),
    "flag_reviews": N_("Flags reviewed within 3 days / flags raised on the department's calls."),
}

FIGURE: Labels = {
    "registered": N_("registered"),
    "published": N_("published"),
    "shareable": N_("shareable"),
    "due": N_("due"),
    "on_time": N_("on time"),
    "answered": N_("answered"),
    "answer_seconds": N_("seconds to answer, in total"),
    "recorded": N_("recorded"),
    "failed": N_("failed"),
    "measured": N_("datasets measured"),
    "overall_permille_sum": N_("sum of overall scores (‰)"),
    "declared": N_("with a frequency"),
    "fresh": N_("fresh"),
    "completed": N_("completed"),
    "obtained": N_("obtained"),
    "shared": N_("by sharing"),
    "with_outcome": N_("with an outcome certificate"),
    "issued": N_("issued"),
    "flags": N_("flags"),
    "reviewed_in_time": N_("reviewed in time"),
}

# The scorecard's note when a dimension has no data (scoring.NO_DATA, same keys).
NO_DATA: Labels = {
    "catalog_coverage": N_("No dataset registered in the catalog."),
    "shareable": N_("No dataset published."),
    "agreement_on_time": N_("No sharing request was due to be answered in the period."),
    "agreement_answer_days": N_("No sharing request answered in the period."),
    "exchange_availability": N_(
        "Not recorded: the hub keeps no node uptime, 503 count or latency per department."),
    "quality": N_("No quality run of a published dataset."),
    "freshness": N_("No published dataset with a regular update frequency."),
    "cases_on_time": N_("No case completed in the period."),
    "materials_by_sharing": N_("No case material obtained in the period."),
    "certificates_electronic": N_("No completed case of an item that issues a certificate."),
    "flag_reviews": N_("No unusual-access flag raised in the period."),
}

MOVEMENT: Labels = {
    "grant": N_("Grant"),
    "call": N_("Exchange call"),
    "approval": N_("Agreement approved"),
}

SPEND_ON: Labels = {
    "call": N_("exchange call"),
    "approval": N_("approved agreement"),
}
