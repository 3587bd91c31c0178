"""The API's token endpoint (identity.tokens has the tokens' rules)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings

from identity.lockout import LockedOut
from identity.tokens import expires_at, issue


class TokenAnswer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ObtainTokenView(ObtainAuthToken):
    """POST ``username`` and ``password``: the token and when it expires. Sign-in lockouts
    (django-axes) count here as on the web login."""

    # Credentials are the body's alone: a stale ``Authorization`` header must not keep a client
    # from asking for a new token.
    authentication_classes = ()
    # DRF's view names its own parsers; the API's own (cases.api.parsers) refuse text that is not Unicode.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: TokenAnswer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Too many failed sign-ins: wait (Retry-After)."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes marks the request it was given, which is DRF's request here, so the
            # lockout is answered here rather than by its middleware.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(request)
            raise exceptions.ValidationError(serializer.errors)
        token = issue(serializer.validated_data["user"])
        return Response(TokenAnswer({"token": token.key, "expires_at": expires_at(token)}).data)
