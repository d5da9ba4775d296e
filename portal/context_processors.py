from django.utils.functional import SimpleLazyObject

from portal import roles


def navigation(request) -> dict:
    """What the navigation shows: each role sees the entries for what it can do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}

    def unread() -> int:
        from portal.selectors import unread_notification_count

        return unread_notification_count(user=user)

    return {
        "nav": {
            "programme_officer": roles.is_programme_officer(user),
            "reviewer": roles.is_reviewer(user),
            "technical_assessor": roles.is_technical_assessor(user),
            "centre_administrator": roles.is_centre_administrator(user),
            "admin": user.is_superuser,
            # One COUNT query, and only when a template shows the badge.
            "unread_notifications": SimpleLazyObject(unread),
        }
    }
