"""The password-reset page, with its e-mails limited per address asked for and per client.

Django sends a reset e-mail for every request that names an active account's address, so one
client could send an address any number of them. Here each hour allows
PASSWORD_RESETS_PER_ADDRESS requests for one address and PASSWORD_RESETS_PER_CLIENT from one
client address, counted in the shared cache whether or not an account has that address: the
answer, a sent e-mail or "too many", never tells whether the address is known.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from cases.web.common import limit_reached, rate_limited

HOUR = 3600


def _address_key(email):
    # A keyed hash: the cache (a database table by default) never holds the address itself.
    digest = salted_hmac("identity.password_reset", email.strip().lower()).hexdigest()
    return f"password-reset:address:{digest}"


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        if rate_limited(
            self.request, "password-reset", settings.PASSWORD_RESETS_PER_CLIENT, HOUR
        ) or limit_reached(
            _address_key(form.cleaned_data["email"]), settings.PASSWORD_RESETS_PER_ADDRESS, HOUR
        ):
            form.add_error(
                "email", _("Too many password resets have been asked for. Please try again in an hour.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
