"""A real OpenID Provider on 127.0.0.1 for the single sign-on tests: pyop (IdentityPython's OP
library, the one SATOSA runs) behind a small WSGI server in a thread. It speaks the protocol
over HTTP: discovery, the authorization endpoint (it signs in whoever the test names, as a
directory would after its own login page), the token endpoint with client authentication and
PKCE, userinfo and the signing keys. Its ID tokens are RS256-signed with a key made per run.

It also offers RP-initiated logout (``end_session_endpoint``: pyop's ``logout_user`` and
``do_post_logout_redirect``).

The test drives the browser's part: it follows the redirect to ``/authorize`` and carries the
answer back to Django's callback.
"""

import datetime
import ipaddress
import json
import os
import ssl
import tempfile
import threading
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwkest.jwk import RSAKey, import_rsa_key
from pyop.authz_state import AuthorizationState
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _certificate(directory):
    """A self-signed TLS certificate for 127.0.0.1 (OIDC issuers are HTTPS); the clients of the
    test trust it through REQUESTS_CA_BUNDLE."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = os.path.join(directory, "op.pem"), os.path.join(directory, "op.key")
    with open(cert_path, "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path


def other_key_set():
    """A key set with another RSA key under the OP's key id: what an impostor would publish."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {"keys": [RSAKey(key=import_rsa_key(pem), alg="RS256", kid="test-key").serialize()]}


class LocalOpenIDProvider:
    def __init__(self, client_id, client_secret, redirect_uri, post_logout_redirect_uri=None):
        self.people = {}
        self.signed_in = None  # the user id the next authorization signs in
        self.extra_claims = {}  # claims the directory adds to the ID token (groups, amr, ...)
        self.client_id = client_id
        self._directory = tempfile.TemporaryDirectory()
        self.ca_bundle, key_path = _certificate(self._directory.name)
        self._server = make_server("127.0.0.1", 0, self._app, handler_class=_Quiet)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_bundle, key_path)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.issuer = f"https://127.0.0.1:{self._server.server_port}"
        # The browser's endpoint (authorization) also answers over plain HTTP on a port of its
        # own, so that a browser in the tests needs no trust in the per-run certificate; the
        # back channel (discovery, keys, token, userinfo) is HTTPS.
        self._browser_server = make_server("127.0.0.1", 0, self._app, handler_class=_Quiet)
        self.browser_origin = f"http://127.0.0.1:{self._browser_server.server_port}"
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        key = RSAKey(key=import_rsa_key(pem), alg="RS256", kid="test-key")
        configuration = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.browser_origin}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "scopes_supported": ["openid", "profile", "email"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            # RP-initiated logout: the browser comes here with id_token_hint.
            "end_session_endpoint": f"{self.browser_origin}/logout",
        }
        clients = {
            client_id: {
                "client_secret": client_secret,
                "redirect_uris": [redirect_uri],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
                "post_logout_redirect_uris": [post_logout_redirect_uri] if post_logout_redirect_uri else [],
            }
        }
        self.provider = Provider(
            key,
            configuration,
            AuthorizationState(HashBasedSubjectIdentifierFactory("salt")),
            clients,
            Userinfo(self.people),
        )
        self.token_requests = []
        self.logouts = []  # the end-session requests received (their parameters)
        # To answer wrongly: claims of the ID token changed (re-signed with the OP's key), and
        # the key set published instead of the OP's own.
        self.id_token_changes = {}
        self.published_jwks = None
        self._threads = [
            threading.Thread(target=server.serve_forever, daemon=True)
            for server in (self._server, self._browser_server)
        ]

    def __enter__(self):
        self._previous_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = self.ca_bundle
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        for server in (self._server, self._browser_server):
            server.shutdown()
            server.server_close()
        if self._previous_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = self._previous_bundle
        self._directory.cleanup()

    def _app(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = environ.get("QUERY_STRING", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
        if path == "/.well-known/openid-configuration":
            return self._json(start_response, self.provider.provider_configuration.to_dict())
        if path == "/jwks":
            return self._json(start_response, self.published_jwks or self.provider.jwks)
        if path == "/authorize":
            request = self.provider.parse_authentication_request(query)
            response = self.provider.authorize(request, self.signed_in)
            location = response.request(request["redirect_uri"], False)
            start_response("302 Found", [("Location", location)])
            return [b""]
        if path == "/token":
            self.token_requests.append(dict(parse_qsl(body)))
            try:
                response = self.provider.handle_token_request(
                    body, headers, extra_id_token_claims=dict(self.extra_claims)
                )
            except Exception as error:  # the OP's refusal, as the protocol answers it
                return self._json(
                    start_response, {"error": "invalid_grant", "detail": str(error)}, "400 Bad Request"
                )
            answer = response.to_dict()
            if self.id_token_changes:
                from oic.oic.message import IdToken

                id_token = IdToken().from_jwt(answer["id_token"], key=[self.provider.signing_key])
                id_token.update(self.id_token_changes)
                answer["id_token"] = id_token.to_jwt([self.provider.signing_key], "RS256")
            return self._json(start_response, answer)
        if path == "/logout":
            # pyop checks the id_token_hint's signature with its own key, ends the subject's
            # session (its codes and access tokens) and answers with the registered redirect.
            from oic.oic.message import EndSessionRequest

            request = EndSessionRequest().from_urlencoded(query)
            try:
                self.provider.logout_user(end_session_request=request)
                location = self.provider.do_post_logout_redirect(request)
            except Exception as error:  # a hint whose signature does not hold, as the OP refuses it
                return self._json(
                    start_response, {"error": "invalid_request", "detail": repr(error)}, "400 Bad Request"
                )
            self.logouts.append(request.to_dict())
            if location is None:
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"signed out"]
            start_response("302 Found", [("Location", location)])
            return [b""]
        if path == "/userinfo":
            response = self.provider.handle_userinfo_request(query or body, headers)
            return self._json(start_response, response.to_dict())
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    @staticmethod
    def _json(start_response, data, status="200 OK"):
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(data).encode()]
