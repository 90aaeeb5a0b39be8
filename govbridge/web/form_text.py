"""The words of form errors and of the notices shown after a submission.

A use case names a problem by field and code (`forms.Problem`); each area of pages
(accounts, catalog, exchange, cases) labels its fields and words its problems from
its maps here, looked up by field name and by `<field>.<code>` or `<code>`
(`forms.Wording`). A page shown after a redirect names its notice by a short word
in the URL (`?notice=saved`), mapped to its text here. Written out entry by entry
so that `pybabel extract` sees every message.
"""

from __future__ import annotations

from govbridge.web.translations import N_, NC_, Labels

EXCHANGE_FLAGS_DONE: Labels = {
    "confirmed": N_("Flag %(id)s confirmed."),
    "dismissed": N_("Flag %(id)s dismissed."),
}

EXCHANGE_INBOX_DONE: Labels = {
    "approved": N_("Request %(code)s approved."),
    "partially_approved": N_("Request %(code)s partially approved."),
    "refused": N_("Request %(code)s refused."),
}

EXCHANGE_AGREEMENT_NOTICE: Labels = {
    "requested": N_("Request sent; it awaits the provider's decision."),
    "approved": N_("This dataset is shared unconditionally: the request is in force."),
    "revoked": N_("The agreement is revoked."),
}

CASE_NOTICE: Labels = {
    "submitted": N_(
        "Application submitted. The front desk will accept it; certificates departments hold are "
        "fetched by sharing then."
    ),
    "uploaded": N_("Material uploaded."),
}

CASE_DESK_NOTICE: Labels = {
    "accepted": N_(
        "Accepted. The certificates were requested by sharing; see the materials below."
    ),
    "not_accepted": N_("The application was not accepted."),
}

CASE_TASK_NOTICE: Labels = {
    "done": N_("Your decision on case %(code)s was recorded."),
    "claimed": N_("You claimed this task."),
    "released": N_("The task is back with the department."),
}

CASE_FIELD: Labels = {
    "name": N_("Name"),
    "day_name": N_("Name"),
    "status": N_("Status"),
    "content": N_("File"),
    "file": N_("File"),
    "resource_code": N_("Resource code"),
    "required": N_("Required"),
    "item_code": N_("Service item"),
    "materials": NC_("form field", "Materials"),
    "opinion": NC_("form field", "Opinion"),
    "task_id": N_("Task"),
    "decision": NC_("form field", "Decision"),
    "row": N_("%(label)s row %(n)s"),
    "applicant_name": N_("Applicant name"),
    "identity_checked_id": N_("ID number"),
    "reason": N_("Reason for not accepting"),
    "state": N_("Case state"),
    "code": N_("Item code"),
    "lead_org_code": N_("Lead department"),
    "participating_org_codes": N_("Participating departments"),
    "promised_days": N_("Promised limit (working days)"),
    "legal_days": N_("Legal limit (working days)"),
    "fee": N_("Fee (yuan)"),
    "key": N_("Key"),
    "kind": N_("Kind"),
    "day_kind": N_("Kind"),
    "bpmn": N_("Process file"),
    "day": N_("Date"),
    "form": N_("Application form %(path)s"),
}

CATALOG_FIELD: Labels = {
    "name": NC_("dataset", "Name"),
    "status": N_("Status"),
    "keywords": N_("Keywords"),
    "provider_code": N_("Provider"),
    "share_type": N_("Sharing type"),
    "format": NC_("form field", "Format"),
    "subject_type": N_("Subject"),
    "resource_code": N_("Resource code"),
    "share_condition": N_("Sharing condition"),
    "share_method": N_("Sharing method"),
    "open_to_public": N_("Open to the public"),
    "update_frequency": N_("Update frequency"),
    "subject_field": N_("Subject field"),
    "key_field": N_("Record key field"),
    "abstract": N_("Abstract"),
    "fields": N_("Fields"),
    "file": N_("Data file"),
    "encoding": N_("Text encoding"),
    "row": N_("Field %(row)s · %(label)s"),
    "name_en": N_("English name"),
    "classification": N_("Classification code"),
    "legal_basis": NC_("reason for not sharing", "Legal basis"),
    "fields.name": N_("column"),
    "fields.title": N_("title"),
    "fields.element": N_("data element"),
    "fields.grade": N_("grade"),
    "fields.required": N_("required"),
    "comment": N_("Comment"),
}

CATALOG_REVIEW_DONE: Labels = {
    "approved": N_("Dataset %(code)s is published."),
    "returned": N_("Dataset %(code)s is returned to its provider."),
}

CATALOG_NOTICE: Labels = {
    "created": N_("The dataset is saved as a draft. Check it, then submit it for review."),
    "submitted": N_("Submitted: the data bureau will review it."),
    "saved": N_("Changes saved. Check them, then submit for review."),
}

FIELD: Labels = {
    "username": N_("Username"),
    "password": N_("Password"),
    "totp": N_("Two-step verification"),
    "totp_code": N_("One-time code"),
    "organization_code": N_("Organization"),
    "code": N_("Credit code"),
    "name": N_("Name"),
    "subject_id": N_("Identifier"),
    "old_password": N_("Current password"),
    "new_password": N_("New password"),
    "confirm_password": N_("Confirm new password"),
}

# A control character in words people write (core.inputs.NO_CONTROLS); the character is
# never echoed back.
CONTROL_CHARACTER = N_("must not contain control characters (U+%(code)s at position "
                       "%(position)s)")

PROBLEM: Labels = {
    "control_character": CONTROL_CHARACTER,
    "password.too_short": N_("must be at least %(min)s characters long"),
    "password.too_long": N_("must be at most %(max)s characters long"),
    "password.contains_username": N_("must not contain the username"),
    "password.weak": N_("is too easy to guess; use a longer, less predictable phrase"),
    "username.personal_identifier": N_(
        "must not contain a citizen ID or mobile number: the account name is written into "
        "audit trails and ledger entries"
    ),
    "password.reused": N_("must differ from your last %(count)s passwords"),
    "old_password.invalid": N_("does not match your current password"),
    "totp_code.totp": N_("wrong or already used code"),
    "required": N_("is required"),
    "missing": N_("is required"),
    "string_too_short": N_("needs at least %(min_length)s characters"),
    "string_too_long": N_("must be at most %(max_length)s characters"),
    "unknown": N_("no organization has this code"),
    "conflict": N_("already exists (%(value)s)"),
    "invalid": N_("is invalid"),
}

CATALOG_PROBLEM: Labels = {
    "control_character": CONTROL_CHARACTER,
    "required": N_("is required"),
    "missing": N_("is required"),
    "string_too_short": N_("needs at least %(min_length)s characters"),
    "string_too_long": N_("must be at most %(max_length)s characters"),
    "value": N_(" (value: %(value)s)"),
    "format": N_("has the wrong format"),
    "duplicate": N_("is used twice"),
    "literal_error": N_("choose one from the list"),
    "too_short": N_("needs at least one entry"),
    "fields.element.unknown": N_("no such data element"),
    "fields.grade.required": N_("choose a grade"),
    "fields.grade.unknown": N_("is not a grade"),
    "fields.name.format": N_(
        "use letters, digits, _ or Chinese characters, not starting with a digit"
    ),
    "fields.name.duplicate": N_("is used by another field"),
    "subject_field.unknown": N_("no field has this name"),
    "key_field.unknown": N_("no field has this name"),
    "subject_field.required": N_("name the field that identifies the subject"),
    "subject_field.element": N_("this field's data element does not identify the chosen subject"),
    "key_field.required": N_("a dataset without subject needs a record key field"),
    "share_condition.required": N_("conditional sharing must state its condition"),
    "legal_basis.required": N_("not sharing must cite its legal basis"),
    "open_to_public.conflict": N_("data not shared between departments cannot be opened"),
    "open_to_public.grade": N_("fields graded core or important cannot be opened"),
    "classification.format": N_(
        "must be 9 digits: class 1-3, item (2), category (3), subcategory (3)"
    ),
    "name.conflict": N_("your department already has a dataset of this name"),
    "status.conflict": N_("not possible in the entry's current state"),
    "comment.required": N_("say why the entry is returned"),
    "file.required": N_("choose a file to upload"),
}

EXCHANGE_FIELD: Labels = {
    "share_type": N_("Sharing type"),
    "resource_code": N_("Resource code"),
    "reason": NC_("refusal", "Reason"),
    "state": N_("State"),
    "filter": NC_("query field", "Filter"),
    "purpose": N_("Purpose"),
    "valid_until": NC_("form field", "Valid until"),
    "fields": N_("Requested fields"),
    "purpose_kind": N_("Kind of purpose"),
    "purpose_code": N_("Service item code"),
    "purpose_case": N_("Case number"),
    "purpose_text": N_("Purpose in words"),
    "valid_from": N_("Valid from"),
    "rate_per_minute": N_("Calls a minute, at most"),
    "daily_volume": N_("Rows a day, at most"),
    "subject_ids": N_("Subjects (citizen IDs or credit codes)"),
    "limit": N_("Rows to return, at most"),
    "note": N_("Finding"),
    "consumer_code": N_("Requesting department"),
    "masks": N_("Mask"),
    "verdict": N_("Verdict"),
    "document": N_("Response document"),
    "leaf": N_("Leaf index"),
    "size": N_("Tree size"),
    "size1": N_("Older tree size"),
    "size2": N_("Newer tree size"),
}

EXCHANGE_PROBLEM: Labels = {
    "control_character": CONTROL_CHARACTER,
    "required": N_("is required"),
    "missing": N_("is required"),
    "string_too_short": N_("needs at least %(min_length)s characters"),
    "format": N_("has the wrong format"),
    "value": N_(" (%(value)s)"),
    "too_short": N_("choose at least one"),
    "string_too_long": N_("must not exceed %(max_length)s characters"),
    "date_parsing": N_("enter a valid date (year-month-day)"),
    "date_from_datetime_parsing": N_("enter a valid date (year-month-day)"),
    "int_parsing": N_("enter a whole number"),
    "greater_than_equal": N_("must be at least %(ge)s"),
    "less_than_equal": N_("must be at most %(le)s"),
    "literal_error": N_("choose from the list"),
    "value_error": N_("check what you entered"),
    "purpose.value_error": N_("a service item needs its code, a legal basis its text"),
    "unknown_field": N_("the dataset's published version has no such field"),
    "not_published": N_("the dataset is not published"),
    "not_shared": N_("the dataset is not shared and cannot be requested"),
    "own_dataset": N_("a department does not request its own dataset"),
    "past": N_("must not be in the past"),
    "before_start": N_("must not be before the start date"),
    "not_approved": N_("the field is not approved, so it takes no mask"),
    "core_raw": N_("core data is never shared raw"),
    "unknown_mask": N_("not a masking operator"),
    "refusal": N_("a refusal grants no fields"),
    "not_requested": N_("the field was not requested"),
    "conflict": N_("not possible in the current state"),
    "unknown": N_("is not a field of this dataset"),
    "fields.required": N_("approve at least one field, or refuse with a reason"),
    "reason.required": N_("say why (required to refuse or revoke)"),
    "note.required": N_("say what was found"),
    "subject_ids.required": N_("enter at least one subject"),
}

CASE_PROBLEM: Labels = {
    "control_character": CONTROL_CHARACTER,
    "value": N_(" (sent: %(value)s)"),
    "identity_mismatch": N_(
        "does not match the applicant's ID; nothing was accepted. Check the card."
    ),
    "missing": N_("is required."),
    "required": N_("is required."),
    "string_too_short": N_("must not be empty or too short."),
    "string_too_long": N_("is too long."),
    "int_parsing": N_("must be a whole number."),
    "decimal_parsing": N_("must be an amount, e.g. 0 or 12.50."),
    "greater_than_equal": N_("must be at least %(ge)s."),
    "less_than_equal": N_("must be at most %(le)s."),
    "string_pattern_mismatch": N_("has the wrong format."),
    "literal_error": N_("is not one of the choices."),
    "date_from_datetime_parsing": N_("must be a date, e.g. 2026-10-01."),
    "date_parsing": N_("must be a date, e.g. 2026-10-01."),
    "unknown": N_("names no known department or resource."),
    "duplicate": N_("appears twice."),
    "not_certificate": N_("is not a certificate type."),
    "too_long": N_("exceeds the legal time limit."),
    "file_type": N_("only PDF, OFD, JPEG or PNG files are accepted."),
    "unmapped_lane": N_(
        "the lane “%(value)s” is mapped to no department, so the item cannot be published: "
        "choose its department under “Lanes and departments”, or name the lane with the "
        "department's credit code."
    ),
    "file_corrupt": N_(
        "the file is damaged or incomplete: it starts like a PDF, OFD, JPEG or PNG file but "
        "cannot be read through."
    ),
}

EXCHANGE_DENIED: Labels = {
    "no_agreement": N_("your department has no agreement for this dataset"),
    "pending": N_("the request still awaits the provider's decision"),
    "refused": N_("the request was refused"),
    "revoked": N_("the agreement is revoked"),
    "expired": N_("the agreement has expired"),
    "not_yet_valid": N_("the agreement is not valid yet"),
    "wrong_purpose": N_("the purpose is not the agreement's purpose"),
    "field_not_granted": N_("a chosen field is not granted by the agreement"),
}

EXCHANGE_LIMIT: Labels = {
    "rate_per_minute": N_("calls-a-minute limit"),
    "daily_volume": N_("rows-a-day limit"),
    "subject_misses": N_(
        "daily limit of lookups by subject that find nothing (this agreement masks the subject "
        "ID)"
    ),
}

EXCHANGE_UNBOUND: Labels = {
    "case_not_found": N_("there is no such case of this service item"),
    "case_closed": N_("the case was closed more than 30 days ago"),
    "not_an_item_department": N_("your department takes no part in this service item"),
    "filter_not_allowed": N_("a query for a case names the case's subject, not a filter"),
    "subject_not_in_case": N_("the subject is not the case's applicant"),
}

SERVICE_ADMIN_NOTICE: Labels = {
    "created": N_("Item created. Import its process, then publish it."),
    "saved": N_("Changes saved."),
    "imported": N_("Process imported as version v%(version)s."),
    "lanes_mapped": N_("Lanes mapped: each shows its department below."),
    "draft": N_("The item is a draft again."),
    "published": N_("The item is published."),
    "retired": N_("The item is retired."),
}

SERVICE_HOLIDAY_NOTICE: Labels = {
    "set": N_("%(day)s saved."),
    "removed": N_("%(day)s removed."),
}
