"""The API token page: a user gets, replaces or revokes the token their scripts use."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from portal.auth import login_required
from portal.services.api_tokens import api_token_issue, api_token_revoke


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(user=request.user):
                messages.success(request, "Your API token was revoked. Scripts using it now fail.")
            return redirect("api_token")
        # The key is shown once, in this response only; afterwards the page just says one exists.
        new_key = api_token_issue(user=request.user).key
    token = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "portal/api_token.html",
        {
            "token": token,
            "new_key": new_key,
            "api_root": request.build_absolute_uri("/api/v1/"),
            "docs_url": reverse("api-docs"),
        },
    )
