"""Labels of the values pages show: states, grades, roles, permissions, menu entries.

A page shows a value (a case's state, a dataset's grade, a role) by its label in
the page's language. Each map lists every value's English text, marked for the
translators' catalog (`N_`, or `NC_` where the same English needs another
translation); `Text.label(labels.CASE_STATE, case.state)` in Python and
`label_of(labels.CASE_STATE, case.state)` in templates translate it when shown, and
fall back to the value itself for one missing here. Written out value by value so
that `pybabel extract` sees every message (a key built at run time would hide it).
"""

from __future__ import annotations

from govbridge.web.translations import N_, NC_, Labels

AGREEMENT_STATE: Labels = {
    "requested": N_("Awaiting decision"),
    "approved": N_("Approved"),
    "partially_approved": N_("Partially approved"),
    "refused": NC_("agreement state", "Refused"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
}

CASE_DECISION: Labels = {
    "approve": NC_("case decision", "Approve"),
    "refuse": NC_("case decision", "Refuse"),
    "return": N_("Return for correction"),
}

CASE_EVENT: Labels = {
    "submitted": NC_("case event", "Submitted"),
    "accepted": NC_("case event", "Accepted"),
    "refused": N_("Refused"),
    "decided": NC_("case event", "Decided"),
    "not_accepted": N_("Not accepted"),
    "completed": N_("Completed"),
    "in_progress": N_("Sent to the back office"),
    "uploaded": N_("Material uploaded"),
    "returned": N_("Returned for correction"),
    "timer": N_("Timer"),
    "reminded": N_("Reminder"),
    "escalated": N_("Escalated as overdue"),
    "issued": N_("Certificate issued"),
    "claimed": N_("Claimed"),
    "released": N_("Given back"),
    "resumed": N_("Time limit resumed after correction"),
}

CASE_MATERIAL: Labels = {
    "status": N_("Status"),
    "detail": N_("Details"),
    "fetched_shared": N_("Fetched by sharing"),
    "fetched": N_("Fetched"),
    "uploaded": N_("Uploaded"),
    "form": N_("Filled in"),
    "missing": N_("Missing"),
    "rejected": N_("To supply again"),
    "optional_missing": N_("Not supplied (optional)"),
}

CASE_SHARED: Labels = {
    "not_shared": NC_("material source", "Not shared"),
    "shown": NC_("shared data", "Fetched"),
    "no_agreement": N_("No agreement"),
    "unavailable": N_("Unavailable"),
    "masked": N_("masked"),
    "via": N_("Agreement %(agreement)s · query %(query)s"),
}

CASE_STATE: Labels = {
    "submitted": NC_("case state", "Submitted"),
    "accepted": NC_("case state", "Accepted"),
    "refused": N_("Refused"),
    "not_accepted": N_("Not accepted"),
    "in_progress": N_("In progress"),
    "completed": N_("Completed"),
}

CATALOG_FACET: Labels = {
    "provider": N_("Provider"),
    "share_type": N_("Sharing type"),
    "grade": N_("Grade"),
    "format": N_("Format"),
    "subject_type": N_("Subject"),
}

DUTY: Labels = {
    "bureau_admin": N_(
        "Runs the platform: departments, users and system clients, data standards, catalog "
        "review and the audit trail."
    ),
    "data_officer": N_(
        "Looks after your department's data: publishes datasets and certificate types, approves "
        "sharing requests, manages the API keys of your department's systems."
    ),
    "clerk": N_(
        "Accepts applications at the front desk; the certificates a case needs are fetched for "
        "its purpose, so applicants bring no paper."
    ),
    "approver": N_("Decides the tasks your department receives within their promised time limit."),
    "auditor": N_("Verifies the ledger, reviews unusual access and reads the audit trail."),
    "applicant": N_(
        "Apply for public services online, follow your cases, and see who used your data, when "
        "and why."
    ),
}

FORMAT: Labels = {
    "database": N_("Database"),
    "spreadsheet": N_("Spreadsheet"),
    "file": N_("File"),
    "api": N_("API"),
    "stream": N_("Stream"),
}

FREQUENCY: Labels = {
    "realtime": N_("Real time"),
    "daily": N_("Daily"),
    "weekly": N_("Weekly"),
    "monthly": N_("Monthly"),
    "quarterly": N_("Quarterly"),
    "yearly": N_("Yearly"),
    "irregular": N_("Irregular"),
}

GRADE: Labels = {
    "core": N_("Core data"),
    "important": N_("Important data"),
    "general-4": N_("General data (level 4)"),
    "general-3": N_("General data (level 3)"),
    "general-2": N_("General data (level 2)"),
    "general-1": N_("General data (level 1)"),
}

HOME_SUBJECT: Labels = {
    "person": N_("Citizen ID number"),
    "enterprise": N_("Unified social credit code"),
}

LEVEL: Labels = {
    "province": N_("Province"),
    "city": N_("City"),
    "district": N_("District"),
}

NAV: Labels = {
    "label": N_("Main navigation"),
    "home": N_("Home"),
    "organizations": N_("Organizations"),
    "users": N_("Users"),
    "clients": N_("System clients"),
    "audit": N_("Audit log"),
    "password": N_("Change password"),
    "logout": N_("Log out"),
    "catalog": N_("Data catalog"),
    "publish": N_("Publish a dataset"),
    "review": N_("Catalog review"),
    "quality": N_("Data quality"),
    "agreements": N_("Agreements"),
    "request": N_("Request data"),
    "inbox": N_("Requests to decide"),
    "console": N_("Exchange console"),
    "ledger": N_("Ledger"),
    "flags": N_("Unusual access"),
    "accesses": N_("Who used my data"),
    "services": N_("Services"),
    "applications": N_("My applications"),
    "desk": N_("Front desk"),
    "tasks": N_("My tasks"),
    "items": N_("Service items"),
    "holidays": N_("Holidays"),
    "figures": N_("Service figures"),
    "issuance": N_("Certificates to approve"),
    "incidents": N_("Incidents"),
    "dispatches": N_("Dispatches"),
    "privacy": N_("Privacy computing"),
    "computations": N_("Computations on my data"),
    "campaigns": N_("Campaigns"),
    "scorecards": N_("Scorecards"),
    "points": N_("Sharing points"),
    "analytics": N_("Service analytics"),
}

NAV_DESC: Labels = {
    "organizations": N_("The registered departments and their credit codes."),
    "users": N_("Accounts, roles and two-step verification status."),
    "clients": N_("Create or revoke API keys for business systems."),
    "audit": N_("The record of administrative actions."),
    "catalog": N_("Search published datasets; filter by provider, sharing type, grade and more."),
    "publish": N_(
        "Register your department's dataset: metadata, fields bound to data elements and their "
        "grades; submit it, then upload its data."
    ),
    "review": N_(
        "Review the entries departments submitted: publish them, or return them with a reason."
    ),
    "agreements": N_("Sharing requests and agreements where your department consumes or provides."),
    "request": N_("Request fields of another department's dataset for a stated purpose."),
    "inbox": N_(
        "Decide other departments' requests for your data: approve all, approve some, or refuse."
    ),
    "console": N_(
        "Try a query under an active agreement: masked rows, the seal and the ledger receipt."
    ),
    "ledger": N_("Signed tree heads and their witnesses; check inclusion and consistency proofs."),
    "flags": N_("Review access the system flagged as unusual."),
    "accesses": N_(
        "See who read your data, when and for what purpose, with a proof for each access."
    ),
    "quality": N_("Quality scores and trends of every published dataset; measure one now."),
    "services": N_(
        "Service items you can apply for online and what they need; certificates a department "
        "already holds need not be brought."
    ),
    "applications": N_(
        "Follow your applications, supply missing materials, download the certificates once "
        "completed."
    ),
    "desk": N_(
        "Check applicants' identity and accept applications for your department's items; "
        "certificates arrive by sharing."
    ),
    "tasks": N_(
        "Decide your department's tasks within the promised time: approve, return for correction "
        "or refuse."
    ),
    "items": N_(
        "Maintain service items: time limits, fee, materials, departments; import the BPMN "
        "process and publish."
    ),
    "holidays": N_("Public holidays and make-up working days for the promised due dates."),
    "figures": N_(
        "Per service item: cases by state, average handling time, on-time rate, share fetched by "
        "sharing, overdue cases."
    ),
    "issuance": N_(
        "Certificates a colleague asked to issue without a case: check and approve, or refuse "
        "with a reason (four eyes)."
    ),
    "incidents": N_(
        "Open incidents: their alerts, resources requested and committed per department, late "
        "responses, the timeline and the alert areas."
    ),
    "dispatches": N_(
        "Resource requests to your department: commit what you send and report its status."
    ),
    "privacy": N_(
        "Private set intersection, secure aggregation and federated learning with other "
        "departments: approve, run, and read the disclosure receipts."
    ),
    "computations": N_("Privacy computations that used a dataset holding your record."),
    "campaigns": N_(
        "Cross-department campaigns: your department's tasks, progress, late and at-risk tasks, "
        "the Gantt chart."
    ),
    "scorecards": N_(
        "Department scorecards computed from the records: ranking, trend and the figures behind "
        "every score."
    ),
    "points": N_("Sharing points: earned by providing data, spent by using it; never blocking."),
    "analytics": N_(
        "Certificate co-occurrence graph, demand, outcomes and what-if replays of the cases."
    ),
}

PURPOSE: Labels = {
    "legal_basis": NC_("purpose", "Legal basis"),
    "service_item": NC_("purpose", "Service item"),
}

QUALITY_DIM: Labels = {
    "validity": NC_("quality dimension", "Validity"),
    "completeness": N_("Completeness"),
    "uniqueness": N_("Uniqueness"),
    "timeliness": N_("Timeliness"),
    "consistency": N_("Consistency"),
    "overall": N_("Overall"),
}

QUALITY_DIRECTION: Labels = {
    "up": N_("up"),
    "down": N_("down"),
    "flat": N_("flat"),
}

ROLE: Labels = {
    "bureau_admin": N_("Data bureau administrator"),
    "data_officer": N_("Chief data officer"),
    "clerk": N_("Front-desk clerk"),
    "approver": N_("Back-office approver"),
    "auditor": N_("Auditor"),
    "applicant": N_("Applicant"),
}

SHARE_METHOD: Labels = {
    "api": N_("API call"),
    "file": N_("File download"),
    "db_sync": N_("Database sync"),
}

SHARE_TYPE: Labels = {
    "unconditional": N_("Unconditional sharing"),
    "conditional": N_("Conditional sharing"),
    "none": N_("Not shared"),
}

STATUS: Labels = {
    "draft": N_("Draft"),
    "submitted": NC_("dataset status", "Submitted"),
    "returned": N_("Returned"),
    "published": N_("Published"),
    "superseded": N_("Superseded"),
    "retired": N_("Retired"),
}

SUBJECT_TYPE: Labels = {
    "person": N_("Person"),
    "enterprise": N_("Enterprise"),
    "none": N_("No subject"),
}

SERVICE_ADMIN_TO: Labels = {
    "draft": N_("Back to draft"),
    "published": N_("Publish"),
    "retired": N_("Retire"),
}

SERVICE_FORM: Labels = {
    "content": N_("Content"),
    "name": N_("Name (the certificate is made out to it)"),
    "capital": N_("Registered capital (10,000 yuan)"),
}

SERVICE_HOLIDAY_KIND: Labels = {
    "holiday": N_("Holiday"),
    "workday": N_("Make-up working day"),
}

SERVICE_KIND: Labels = {
    "form": N_("Filled in online"),
    "upload": N_("File upload"),
    "certificate": N_("Certificate"),
    "dataset": N_("Data"),
}

SERVICE_MATERIAL_KIND: Labels = {
    "certificate": N_("Certificate (to supply)"),
    "dataset": N_("Data (to supply)"),
    "form": N_("Filled in online"),
    "upload": N_("File upload"),
}

SERVICE_STATUS: Labels = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "retired": N_("Retired"),
}

VERIFY_STATUS: Labels = {
    "revoked": NC_("certificate state", "Revoked"),
    "expired": N_("Expired"),
    "valid": N_("Valid: genuine and within its validity"),
    "tampered": N_("Failed: the file was altered or its seal is not valid"),
    "unknown": N_("Unknown: not issued by this platform"),
}

EXCHANGE_FLAGS_RULE: Labels = {
    "volume": N_("Jump in volume"),
    "off_hours_bulk": N_("Bulk query outside working hours"),
}

EXCHANGE_FLAGS_STATUS: Labels = {
    "open": N_("Open"),
    "confirmed": N_("Confirmed"),
    "dismissed": N_("Dismissed"),
}

EXCHANGE_LEDGER_PROOF_OK: Labels = {
    "inclusion": N_("The inclusion proof holds: the leaf is in the tree with the given root."),
    "consistency": N_(
        "The consistency proof holds: the newer tree extends the older one; history was not "
        "rewritten."
    ),
}

EXCHANGE_TAB: Labels = {
    "consumer": N_("Requested by us"),
    "provider": N_("For our data"),
    "all": N_("All agreements"),
}

MASK: Labels = {
    "raw": N_("Raw (unmasked)"),
    "redact": N_("Redacted"),
    "surname": N_("Surname only"),
    "year": N_("Year only"),
    "district": N_("Up to the district"),
    "hash": N_("Pseudonym (hash)"),
    "null": N_("Withheld (empty)"),
    "keep": N_("First %(first)s and last %(last)s characters kept"),
}

PERM: Labels = {
    "org.manage": N_("manage organizations"),
    "org.read": N_("view organizations"),
    "user.manage": N_("manage users"),
    "user.manage_own_org": N_("manage users of your organization"),
    "user.read": N_("view users"),
    "user.read_all": N_("view the accounts of every organization and of applicants"),
    "user.read_applicant_ids": N_("read applicants' identifiers"),
    "client.manage": N_("manage system clients"),
    "client.manage_own_org": N_("manage your organization's system clients"),
    "audit.read": N_("read the audit log"),
    "self.service": N_("personal services"),
    "standards.read": N_("view data standards"),
    "standards.manage": N_("manage data standards"),
    "catalog.read": N_("view the data catalog"),
    "catalog.review": N_("review the data catalog"),
    "dataset.manage": N_("manage datasets"),
    "dataset.manage_own_org": N_("manage your organization's datasets"),
    "data.ingest": N_("load data"),
    "data.ingest_own_org": N_("load your organization's data"),
    "quality.read": N_("view data quality"),
    "agreement.read": N_("read sharing agreements"),
    "agreement.read_own_org": N_("read own department's sharing agreements"),
    "agreement.request": N_("request shared data"),
    "agreement.request_own_org": N_("request shared data for own department"),
    "agreement.decide": N_("decide sharing requests"),
    "agreement.decide_own_org": N_("decide requests for own department's data"),
    "exchange.query": N_("query the exchange"),
    "exchange.query_own_org": N_("query the exchange for own department"),
    "ledger.read": N_("read the ledger"),
    "ledger.audit": N_("audit the ledger"),
    "access.flags_read": N_("review unusual access"),
    "cert.issue": N_("issue electronic certificates"),
    "cert.issue_own_org": N_("issue own department's electronic certificates"),
    "cert.revoke": N_("revoke electronic certificates"),
    "cert.revoke_own_org": N_("revoke own department's electronic certificates"),
    "case.accept": N_("accept applications"),
    "case.accept_own_org": N_("accept applications for own department's items"),
    "case.decide": N_("decide case tasks"),
    "case.decide_own_org": N_("decide own department's case tasks"),
    "case.read": N_("read all cases"),
    "service.manage": N_("manage service items"),
    "emergency.rules": N_("manage alert rules"),
    "incident.command": N_("command incidents and dispatch departments"),
    "incident.read": N_("view incidents and alerts"),
    "dispatch.respond": N_("respond to dispatches"),
    "dispatch.respond_own_org": N_("respond to own department's dispatches"),
    "campaign.create": N_("create campaigns"),
    "campaign.create_own_org": N_("create campaigns led by own department"),
    "task.lead": N_("lead campaigns: accept, return or cancel their tasks"),
    "task.read": N_("view every department's campaign tasks"),
    "task.read_own_org": N_("view own department's campaign tasks"),
    "task.report": N_("report on every department's campaign tasks"),
    "task.report_own_org": N_("report on own department's campaign tasks"),
    "governance.read": N_("view every department's scorecard and points"),
    "governance.read_own_org": N_("view own department's scorecard and points"),
    "governance.manage": N_("set the scoring model, points rates and grants"),
    "analytics.read": N_("view service analytics"),
}


ISSUANCE_REQUEST_STATE: Labels = {
    "pending": NC_("issuance request", "Waiting"),
    "approved": NC_("issuance request", "Approved and issued"),
    "refused": NC_("issuance request", "Refused"),
}
