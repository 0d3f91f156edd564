"""The portal's texts in the four languages of the CSAM login pages."""

from __future__ import annotations

LANGUAGES = ("nl", "fr", "de", "en")
DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Aanmelden bij de overheid",
        "choose_language": "Kies uw taal",
        "connect": "Aanmelden",
        "choose_method": "Kies uw digitale sleutel",
        "eid": "Aanmelden met eID-kaartlezer",
        "itsme": "Aanmelden met itsme",
        "token": "Aanmelden met beveiligingscode via token",
        "not_available": "Niet beschikbaar in deze demo",
        "eid_help": "Steek uw eID in de kaartlezer. De login-client vraagt uw PIN-code.",
        "welcome": "Welkom",
        "logout": "Afmelden",
        "expires": "Uw sessie verloopt om",
        "login_failed": "Aanmelden mislukt. Probeer opnieuw.",
        "session_expired": "Uw sessie is verlopen. Meld u opnieuw aan.",
    },
    "fr": {
        "title": "Connexion aux services publics",
        "choose_language": "Choisissez votre langue",
        "connect": "Se connecter",
        "choose_method": "Choisissez votre clé numérique",
        "eid": "Se connecter avec un lecteur de carte eID",
        "itsme": "Se connecter avec itsme",
        "token": "Se connecter avec un code de sécurité via token",
        "not_available": "Non disponible dans cette démo",
        "eid_help": "Insérez votre eID dans le lecteur. Le client de connexion demande votre code PIN.",
        "welcome": "Bienvenue",
        "logout": "Se déconnecter",
        "expires": "Votre session expire à",
        "login_failed": "La connexion a échoué. Réessayez.",
        "session_expired": "Votre session a expiré. Reconnectez-vous.",
    },
    "de": {
        "title": "Anmeldung bei den Behörden",
        "choose_language": "Wählen Sie Ihre Sprache",
        "connect": "Anmelden",
        "choose_method": "Wählen Sie Ihren digitalen Schlüssel",
        "eid": "Anmelden mit eID-Kartenleser",
        "itsme": "Anmelden mit itsme",
        "token": "Anmelden mit Sicherheitscode per Token",
        "not_available": "In dieser Demo nicht verfügbar",
        "eid_help": "Stecken Sie Ihre eID in den Kartenleser. Der Login-Client fragt nach Ihrer PIN.",
        "welcome": "Willkommen",
        "logout": "Abmelden",
        "expires": "Ihre Sitzung endet um",
        "login_failed": "Anmeldung fehlgeschlagen. Bitte erneut versuchen.",
        "session_expired": "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
    },
    "en": {
        "title": "Government login",
        "choose_language": "Choose your language",
        "connect": "Log in",
        "choose_method": "Choose your digital key",
        "eid": "Log in with an eID card reader",
        "itsme": "Log in with itsme",
        "token": "Log in with a security code via token",
        "not_available": "Not available in this demo",
        "eid_help": "Insert your eID in the card reader. The login client asks for your PIN.",
        "welcome": "Welcome",
        "logout": "Log out",
        "expires": "Your session expires at",
        "login_failed": "Login failed. Please try again.",
        "session_expired": "Your session has expired. Please log in again.",
    },
}


def texts(lang: str) -> dict[str, str]:
    """The texts of ``lang`` (English for an unknown language)."""
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])
