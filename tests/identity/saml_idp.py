"""A real SAML 2.0 identity provider for the single sign-on tests: pysaml2's IdP (``saml2.server
.Server``), configured with this service's own metadata (read from its metadata endpoint) and
a signing key made per run. It parses the service's AuthnRequest from the redirect binding and
answers with a signed response and assertion (xmlsec1 signs them), which the test posts to the
service's assertion consumer as a browser would.

pysaml2 signs with Debian's ``xmlsec1``; without it the SAML tests skip loudly, and under
CI_REQUIRE_ALL=1 they fail (as the browser tests do).
"""

import base64
import datetime
import os
import shutil
import tempfile
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

XMLSEC1 = shutil.which("xmlsec1")
ENTITY_ID = "https://idp.kommun.example/saml/metadata"
SSO_URL = "https://idp.kommun.example/saml/sso"
SLO_URL = "https://idp.kommun.example/saml/slo"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
TWO_FACTOR_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"


def require_xmlsec1():
    if XMLSEC1:
        return
    reason = "no xmlsec1 for pysaml2's identity provider; install Debian's package: apt-get install xmlsec1"
    if os.environ.get("CI_REQUIRE_ALL") == "1":
        pytest.fail(f"SAML TESTS CANNOT RUN: {reason} (CI_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(f"SAML TESTS SKIPPED: {reason}")


def key_and_certificate(directory, name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.pem")
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    with open(cert_path, "wb") as f:
        f.write(pem)
    body = "".join(pem.decode().strip().splitlines()[1:-1])
    return key_path, cert_path, body


class LocalSAMLIdentityProvider:
    def __init__(self, sp_metadata, *, key_name="idp", other_services=()):
        """``other_services``: entity ids of further services the provider knows, with this
        service's endpoints (to answer for another audience)."""
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT
        from saml2.server import Server

        self._directory = tempfile.TemporaryDirectory()
        key_path, cert_path, self.certificate = key_and_certificate(self._directory.name, key_name)
        metadata_path = os.path.join(self._directory.name, "sp.xml")
        with open(metadata_path, "wb") as f:
            f.write(sp_metadata)
        metadata_paths = [metadata_path]
        own_entity_id = sp_metadata.split(b'entityID="', 1)[1].split(b'"', 1)[0]
        for number, other in enumerate(other_services):
            metadata_paths.append(os.path.join(self._directory.name, f"other-{number}.xml"))
            with open(metadata_paths[-1], "wb") as f:
                f.write(sp_metadata.replace(own_entity_id, other.encode()))
        config = IdPConfig()
        config.load(
            {
                "entityid": ENTITY_ID,
                "xmlsec_binary": XMLSEC1,
                "key_file": key_path,
                "cert_file": cert_path,
                "metadata": {"local": metadata_paths},
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)],
                            "single_logout_service": [(SLO_URL, BINDING_HTTP_REDIRECT)],
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
                "allow_unknown_attributes": True,
            }
        )
        self.server = Server(config=config)
        self._redirect, self._post = BINDING_HTTP_REDIRECT, BINDING_HTTP_POST

    def close(self):
        self._directory.cleanup()

    def answer(self, location, identity, *, subject="anna-123", context=PASSWORD_CONTEXT, audience=None):
        """The signed answer to the AuthnRequest carried in ``location`` (the redirect binding):
        the form fields a browser posts to the service's assertion consumer."""
        from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
        from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

        query = parse_qs(urlsplit(location).query)
        request = self.server.parse_authn_request(query["SAMLRequest"][0], self._redirect).message
        args = self.server.response_args(request)
        if audience is not None:
            args["sp_entity_id"] = audience
        response = self.server.create_authn_response(
            identity=identity,
            userid=subject,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=subject),
            authn={"class_ref": context, "authn_auth": ENTITY_ID},
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **args,
        )
        fields = {"SAMLResponse": base64.b64encode(str(response).encode()).decode()}
        if "RelayState" in query:
            fields["RelayState"] = query["RelayState"][0]
        return args["destination"], fields

    def logout_answer(self, location):
        """The LogoutRequest carried in ``location`` (the redirect binding), and the signed
        LogoutResponse's URL at the service's single-logout endpoint."""
        from saml2.xmldsig import SIG_RSA_SHA256

        query = parse_qs(urlsplit(location).query)
        request = self.server.parse_logout_request(query["SAMLRequest"][0], self._redirect)
        response = self.server.create_logout_response(request.message, [self._redirect])
        destination = response.destination
        info = self.server.apply_binding(
            self._redirect,
            str(response),
            destination,
            query.get("RelayState", [""])[0],
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return request.message, dict(info["headers"])["Location"]

    def logout_request(self, destination, name_id, session_index, *, sign=True):
        """IdP-initiated single logout: a LogoutRequest for ``name_id`` and ``session_index``,
        signed (the redirect binding's signature), as the URL the browser is sent to at the
        service's single-logout endpoint ``destination``."""
        from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
        from saml2.xmldsig import SIG_RSA_SHA256

        _id, request = self.server.create_logout_request(
            destination,
            ENTITY_ID,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id),
            session_indexes=[session_index],
            sign=False,
        )
        info = self.server.apply_binding(
            self._redirect, str(request), destination, "", sign=sign, sigalg=SIG_RSA_SHA256 if sign else None
        )
        return dict(info["headers"])["Location"]

    def logout_response(self, location):
        """The service's LogoutResponse carried in ``location`` (the redirect binding), checked
        by pysaml2 (its signature included)."""
        query = parse_qs(urlsplit(location).query)
        return self.server.parse_logout_request_response(
            query["SAMLResponse"][0],
            self._redirect,
        )
