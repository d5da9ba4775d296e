"""Pages of the portal core: profile, organisations, invitations, notifications."""

from django.urls import path

from portal import views

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
]
