"""The API's token authentication: DRF's, with its one read compiled once per connection, and
tokens that expire.

Every API request reads its token with the token's user; ``cases.statements`` keeps that
read's SQL instead of compiling it again on each request. The answers for an unknown token or
an inactive user are DRF's own; a token older than API_TOKEN_TTL is refused with its own
message (identity.tokens), decided from the row already read. A token issued without a second
factor to someone who must give one (a privileged role granted since) is refused too; that
check reads the user's roles, which the endpoint reads anyway (``cases.access.role_scope`` keeps
them on the user for the request).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from cases.statements import Statement
from identity.tokens import expired, requires_second_factor

_TOKEN_WITH_USER = Statement(
    lambda key: Token.objects.select_related("user", "second_factor").filter(key=key).order_by()[:1], str
)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        token = _TOKEN_WITH_USER.first(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if expired(token):
            raise exceptions.AuthenticationFailed(
                _(
                    "The token has expired. Ask for a new one with your username and password at /api/v1/auth/token/."
                )
            )
        if not hasattr(token, "second_factor") and requires_second_factor(token.user):
            raise exceptions.AuthenticationFailed(
                _(
                    "This token was issued without a second factor, which your roles now require. "
                    "Ask for a new one at /api/v1/auth/token/ with the code from your authenticator app."
                )
            )
        return token.user, token
