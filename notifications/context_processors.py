from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def notifications(request):
    """``notifications_unread``: the signed-in user's unread count, counted only when shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}
