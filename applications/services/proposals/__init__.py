"""Writes on proposals: create, edit a draft (with conflict detection), team, resource requests,
attachments, submit, withdraw, and the cut-off roll-over.

Every function is keyword-only and atomic, checks permission and state, writes the activity log
and queues its mail and background work after commit. A proposal's status changes only through
`proposal_transition` (transitions.py), the one door; submit and withdraw are its callers.
Errors a person can fix are raised as Django ValidationErrors keyed by field; an edit based on a
stale version raises EditConflict (ProposalConflict for the proposal's own fields).
Acting on a proposal the user may not see raises PermissionDenied (pages and the API turn it into
a 404).

One module per concept; this package re-exports the public names, so callers import them from
here. A name replaced for a test must be replaced in the module that looks it up.
"""

from .attachments import (
    DEFAULT_ATTACHMENT_MAX_BYTES,
    PDF_MAGIC,
    attachment_add,
    attachment_delete,
    attachment_max_bytes,
    check_pdf_upload,
)
from .conflicts import EditConflict, ProposalConflict
from .cutoffs import cutoff_close, cutoffs_close_passed
from .demand import cutoff_counts_rebuild, proposal_counts_update
from .drafts import (
    ACRONYM_PATTERN,
    EDITABLE_FIELD_NAMES,
    EDITABLE_FIELDS,
    next_open_cutoff,
    proposal_create,
    proposal_update,
)
from .pdf import (
    proposal_pdf_given_up,
    proposal_pdf_render,
    proposal_pdf_retry,
    proposal_pdfs_sweep,
    proposal_receipt_enqueue,
)
from .requests import resource_request_delete, resource_request_save
from .submission import proposal_submit, proposal_withdraw, reference_prefix
from .team import team_member_add, team_member_remove, team_member_update
from .transitions import proposal_transition
from .waiting import proposal_waiting_on, proposals_waiting_refresh

__all__ = [
    "ACRONYM_PATTERN",
    "DEFAULT_ATTACHMENT_MAX_BYTES",
    "EDITABLE_FIELDS",
    "EDITABLE_FIELD_NAMES",
    "PDF_MAGIC",
    "EditConflict",
    "ProposalConflict",
    "attachment_add",
    "attachment_delete",
    "attachment_max_bytes",
    "check_pdf_upload",
    "cutoff_close",
    "cutoff_counts_rebuild",
    "cutoffs_close_passed",
    "next_open_cutoff",
    "proposal_counts_update",
    "proposal_create",
    "proposal_pdf_given_up",
    "proposal_pdf_render",
    "proposal_pdf_retry",
    "proposal_pdfs_sweep",
    "proposal_receipt_enqueue",
    "proposal_submit",
    "proposal_transition",
    "proposal_update",
    "proposal_waiting_on",
    "proposal_withdraw",
    "proposals_waiting_refresh",
    "reference_prefix",
    "resource_request_delete",
    "resource_request_save",
    "team_member_add",
    "team_member_remove",
    "team_member_update",
]
