"""Applicant pages: dashboard, proposal form sections with autosave, team, resource requests with
the GPU-hours estimator, attachments and downloads, submit and withdraw.

Views only wire requests to the proposal services and selectors; every rule (limits, PDF checks,
deadlines, states) lives there. Pages never reveal a proposal the user may not see: a 404.
Each module holds one area of the pages; the routes of them all are here.
"""

from django.urls import path

from .attachments import attachment_delete, attachment_upload
from .dashboard import dashboard, proposal_create
from .downloads import attachment_download, cv_download, proposal_pdf_download
from .overview import proposal_detail
from .resources import (
    proposal_estimate,
    resource_request_add,
    resource_request_change,
    resource_request_delete,
)
from .sections import proposal_autosave, proposal_section
from .submission import proposal_submit, proposal_withdraw
from .team import team_member_add, team_member_change, team_member_remove

urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("calls/<slug:slug>/apply/", proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/<slug:section>/", proposal_section, name="proposal_section"),
    path(
        "proposals/<int:pk>/edit/<slug:section>/autosave/",
        proposal_autosave,
        name="proposal_autosave",
    ),
    path("proposals/<int:pk>/team/add/", team_member_add, name="team_member_add"),
    path("proposals/<int:pk>/team/<int:member_pk>/", team_member_change, name="team_member_change"),
    path(
        "proposals/<int:pk>/team/<int:member_pk>/remove/",
        team_member_remove,
        name="team_member_remove",
    ),
    path("proposals/<int:pk>/team/<int:member_pk>/cv/", cv_download, name="cv_download"),
    path("proposals/<int:pk>/requests/add/", resource_request_add, name="resource_request_add"),
    path(
        "proposals/<int:pk>/requests/<int:request_pk>/",
        resource_request_change,
        name="resource_request_change",
    ),
    path(
        "proposals/<int:pk>/requests/<int:request_pk>/delete/",
        resource_request_delete,
        name="resource_request_delete",
    ),
    path("proposals/<int:pk>/estimate/", proposal_estimate, name="proposal_estimate"),
    path("proposals/<int:pk>/attachments/", attachment_upload, name="attachment_upload"),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/",
        attachment_download,
        name="attachment_download",
    ),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/delete/",
        attachment_delete,
        name="attachment_delete",
    ),
    path("proposals/<int:pk>/pdf/", proposal_pdf_download, name="proposal_pdf"),
    path("proposals/<int:pk>/submit/", proposal_submit, name="proposal_submit"),
    path("proposals/<int:pk>/withdraw/", proposal_withdraw, name="proposal_withdraw"),
]
