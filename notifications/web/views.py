"""The in-app notification centre: the user's own notifications, marking them read, and the
e-mail preferences. Someone else's notification answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from notifications import selectors
from notifications.messages import describe
from notifications.web.forms import PreferencesForm

PAGE_SIZE = 50


@login_required
def notification_list(request):
    page = Paginator(selectors.centre_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [(n, describe(n)) for n in page]
    return render(request, "notifications/list.html", {"page": page, "items": items})


@login_required
@require_POST
def mark_read(request, pk):
    if not selectors.own_notifications(request.user).filter(pk=pk).exists():
        raise Http404
    selectors.mark_read(request.user, pk)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = selectors.mark_read(request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form}, status=400 if form.errors else 200
    )
