"""The API's token authentication: DRF's, with its one read compiled once per connection.

Every API request reads its token with the token's user; ``cases.statements`` keeps that
read's SQL instead of compiling it again on each request. The answers (who is
authenticated, the errors for an unknown token or an inactive user) are DRF's own.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from cases.statements import Statement

_TOKEN_WITH_USER = Statement(lambda key: Token.objects.select_related("user").filter(key=key).order_by()[:1], str)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        token = _TOKEN_WITH_USER.first(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
