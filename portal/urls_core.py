"""Pages of the portal core: profile, organisations, invitations, notifications."""

from django.urls import path

from portal import views, views_failed_work

app_name = "portal"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:pk>/invitations/",
        views.invitation_create,
        name="invitation_create",
    ),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/role/",
        views.membership_change_role,
        name="membership_change_role",
    ),
    path(
        "organisations/<int:pk>/members/<int:membership_pk>/remove/",
        views.membership_remove,
        name="membership_remove",
    ),
    path("invitations/<uuid:token>/", views.invitation_open, name="invitation_open"),
    path("notifications/", views.notifications, name="notifications"),
    path("failed-work/", views_failed_work.failed_work, name="failed_work"),
    path(
        "failed-work/<slug:kind>/requeue-all/",
        views_failed_work.failed_work_requeue_all,
        name="failed_work_requeue_all",
    ),
    path(
        "failed-work/<slug:kind>/<int:pk>/requeue/",
        views_failed_work.failed_work_requeue,
        name="failed_work_requeue",
    ),
]
