"""The portal's texts in the four languages of the CSAM login pages, and the choice of language.

The language is in every page's path (``/nl/...``); the last choice is also kept in a cookie so the
pages without a language in their path (errors, the logout answer) speak it too.
"""

from __future__ import annotations

from collections.abc import Iterable

LANGUAGES = ("nl", "fr", "de", "en")
DEFAULT_LANGUAGE = "en"

#: Each language named in itself, for the language choice.
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Aanmelden bij de overheid",
        "choose_language": "Kies uw taal",
        "intro": "Meld u aan om uw gegevens bij de overheid te raadplegen.",
        "connect": "Aanmelden",
        "choose_method": "Kies uw digitale sleutel",
        "eid": "Aanmelden met eID-kaartlezer",
        "itsme": "Aanmelden met itsme",
        "token": "Aanmelden met beveiligingscode via token",
        "not_available": "Niet beschikbaar in deze demo",
        "eid_intro": "Steek uw eID in de kaartlezer en kies hoe uw browser de kaart gebruikt.",
        "loginhost": "Aanmelden met uw certificaat (login-host)",
        "loginhost_help": "Uw browser vraagt u uw certificaat te bevestigen; de eID-middleware vraagt uw PIN-code.",
        "loginhost_off": "Deze portaalsite heeft geen login-host ingesteld.",
        "webeid": "Aanmelden met Web eID",
        "webeid_help": "De Web eID-extensie van uw browser roept de eidlib-toepassing op, die uw PIN-code vraagt.",
        "webeid_checking": "We kijken of Web eID beschikbaar is…",
        "webeid_ready": "Web eID is beschikbaar.",
        "webeid_no_extension": "De Web eID-extensie is niet geïnstalleerd in deze browser.",
        "webeid_no_app": "De Web eID-extensie is er, maar de eidlib-toepassing (eid webeid-host) niet.",
        "install_title": "Wat moet u installeren?",
        "install_help": "Geen van beide aanmeldwijzen is beschikbaar. Installeer een van deze:",
        "install_middleware": "de eID-middleware (PKCS#11-module) in uw browser, voor de login-host;",
        "install_webeid": "de Web eID-extensie en de eidlib-toepassing (eid webeid-host), voor Web eID.",
        "login_busy": "Bezig met aanmelden…",
        "login_failed": "Aanmelden mislukt. Probeer opnieuw.",
        "welcome": "Welkom",
        "logged_in": "U bent aangemeld met uw eID.",
        "expires": "Uw sessie eindigt op",
        "logout": "Afmelden",
        "logged_out_title": "U bent afgemeld",
        "logged_out_text": "Uw sessie is beëindigd. Sluit uw browser als u een gedeelde computer gebruikt.",
        "login_again": "Opnieuw aanmelden",
        "warning_title": "Uw sessie loopt bijna af",
        "warning_text": "Uw sessie eindigt om {time}. Klik op OK om aangemeld te blijven.",
        "ok": "OK",
        "ended_title": "De sessie kon niet verlengd worden",
        "ended_text": "Uw sessie is verlopen of de server is niet bereikbaar. Meld u opnieuw aan.",
        "session_expired": "Uw sessie is verlopen. Meld u opnieuw aan.",
        "not_found_title": "Pagina niet gevonden",
        "not_found_text": "Deze pagina bestaat niet.",
        "unavailable_title": "Dienst tijdelijk niet beschikbaar",
        "unavailable_text": "De dienst is tijdelijk niet beschikbaar. Probeer het over enkele minuten opnieuw.",
        "rate_limited_title": "Te veel pogingen",
        "rate_limited_text": "U hebt te veel aanmeldpogingen gedaan. Wacht een minuut en probeer opnieuw.",
        "bad_request_title": "Ongeldige aanvraag",
        "error_title": "Er ging iets mis",
        "error_text": "Er ging iets mis. Probeer opnieuw.",
        "start": "Naar de startpagina",
        "language": "Taal",
    },
    "fr": {
        "title": "Connexion aux services publics",
        "choose_language": "Choisissez votre langue",
        "intro": "Connectez-vous pour consulter vos données auprès des services publics.",
        "connect": "Se connecter",
        "choose_method": "Choisissez votre clé numérique",
        "eid": "Se connecter avec un lecteur de carte eID",
        "itsme": "Se connecter avec itsme",
        "token": "Se connecter avec un code de sécurité via token",
        "not_available": "Non disponible dans cette démo",
        "eid_intro": "Insérez votre eID dans le lecteur et choisissez comment votre navigateur utilise la carte.",
        "loginhost": "Se connecter avec votre certificat (hôte de connexion)",
        "loginhost_help": "Votre navigateur vous demande de confirmer votre certificat ; le middleware eID demande "
                          "votre code PIN.",
        "loginhost_off": "Ce portail n'a pas d'hôte de connexion configuré.",
        "webeid": "Se connecter avec Web eID",
        "webeid_help": "L'extension Web eID de votre navigateur appelle l'application eidlib, qui demande votre "
                       "code PIN.",
        "webeid_checking": "Vérification de la disponibilité de Web eID…",
        "webeid_ready": "Web eID est disponible.",
        "webeid_no_extension": "L'extension Web eID n'est pas installée dans ce navigateur.",
        "webeid_no_app": "L'extension Web eID est présente, mais pas l'application eidlib (eid webeid-host).",
        "install_title": "Que faut-il installer ?",
        "install_help": "Aucun des deux modes de connexion n'est disponible. Installez l'un de ceux-ci :",
        "install_middleware": "le middleware eID (module PKCS#11) dans votre navigateur, pour l'hôte de connexion ;",
        "install_webeid": "l'extension Web eID et l'application eidlib (eid webeid-host), pour Web eID.",
        "login_busy": "Connexion en cours…",
        "login_failed": "La connexion a échoué. Réessayez.",
        "welcome": "Bienvenue",
        "logged_in": "Vous êtes connecté avec votre eID.",
        "expires": "Votre session se termine le",
        "logout": "Se déconnecter",
        "logged_out_title": "Vous êtes déconnecté",
        "logged_out_text": "Votre session est terminée. Fermez votre navigateur si vous utilisez un ordinateur "
                           "partagé.",
        "login_again": "Se reconnecter",
        "warning_title": "Votre session va bientôt expirer",
        "warning_text": "Votre session se termine à {time}. Cliquez sur OK pour rester connecté.",
        "ok": "OK",
        "ended_title": "La session n'a pas pu être prolongée",
        "ended_text": "Votre session a expiré ou le serveur est injoignable. Reconnectez-vous.",
        "session_expired": "Votre session a expiré. Reconnectez-vous.",
        "not_found_title": "Page introuvable",
        "not_found_text": "Cette page n'existe pas.",
        "unavailable_title": "Service temporairement indisponible",
        "unavailable_text": "Le service est temporairement indisponible. Réessayez dans quelques minutes.",
        "rate_limited_title": "Trop de tentatives",
        "rate_limited_text": "Vous avez fait trop de tentatives de connexion. Attendez une minute et réessayez.",
        "bad_request_title": "Requête invalide",
        "error_title": "Une erreur s'est produite",
        "error_text": "Une erreur s'est produite. Réessayez.",
        "start": "Retour à l'accueil",
        "language": "Langue",
    },
    "de": {
        "title": "Anmeldung bei den Behörden",
        "choose_language": "Wählen Sie Ihre Sprache",
        "intro": "Melden Sie sich an, um Ihre Daten bei den Behörden einzusehen.",
        "connect": "Anmelden",
        "choose_method": "Wählen Sie Ihren digitalen Schlüssel",
        "eid": "Anmelden mit eID-Kartenleser",
        "itsme": "Anmelden mit itsme",
        "token": "Anmelden mit Sicherheitscode per Token",
        "not_available": "In dieser Demo nicht verfügbar",
        "eid_intro": "Stecken Sie Ihre eID in den Kartenleser und wählen Sie, wie Ihr Browser die Karte nutzt.",
        "loginhost": "Anmelden mit Ihrem Zertifikat (Login-Host)",
        "loginhost_help": "Ihr Browser bittet Sie, Ihr Zertifikat zu bestätigen; die eID-Middleware fragt nach "
                          "Ihrer PIN.",
        "loginhost_off": "Für dieses Portal ist kein Login-Host eingerichtet.",
        "webeid": "Anmelden mit Web eID",
        "webeid_help": "Die Web-eID-Erweiterung Ihres Browsers ruft die eidlib-Anwendung auf, die nach Ihrer PIN "
                       "fragt.",
        "webeid_checking": "Wir prüfen, ob Web eID verfügbar ist…",
        "webeid_ready": "Web eID ist verfügbar.",
        "webeid_no_extension": "Die Web-eID-Erweiterung ist in diesem Browser nicht installiert.",
        "webeid_no_app": "Die Web-eID-Erweiterung ist vorhanden, die eidlib-Anwendung (eid webeid-host) aber nicht.",
        "install_title": "Was müssen Sie installieren?",
        "install_help": "Keine der beiden Anmeldearten ist verfügbar. Installieren Sie eine davon:",
        "install_middleware": "die eID-Middleware (PKCS#11-Modul) in Ihrem Browser, für den Login-Host;",
        "install_webeid": "die Web-eID-Erweiterung und die eidlib-Anwendung (eid webeid-host), für Web eID.",
        "login_busy": "Anmeldung läuft…",
        "login_failed": "Anmeldung fehlgeschlagen. Bitte erneut versuchen.",
        "welcome": "Willkommen",
        "logged_in": "Sie sind mit Ihrer eID angemeldet.",
        "expires": "Ihre Sitzung endet am",
        "logout": "Abmelden",
        "logged_out_title": "Sie sind abgemeldet",
        "logged_out_text": "Ihre Sitzung ist beendet. Schließen Sie Ihren Browser, wenn Sie einen gemeinsam "
                           "genutzten Computer verwenden.",
        "login_again": "Erneut anmelden",
        "warning_title": "Ihre Sitzung läuft bald ab",
        "warning_text": "Ihre Sitzung endet um {time}. Klicken Sie auf OK, um angemeldet zu bleiben.",
        "ok": "OK",
        "ended_title": "Die Sitzung konnte nicht verlängert werden",
        "ended_text": "Ihre Sitzung ist abgelaufen oder der Server ist nicht erreichbar. Bitte melden Sie sich "
                      "erneut an.",
        "session_expired": "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
        "not_found_title": "Seite nicht gefunden",
        "not_found_text": "Diese Seite gibt es nicht.",
        "unavailable_title": "Dienst vorübergehend nicht verfügbar",
        "unavailable_text": "Der Dienst ist vorübergehend nicht verfügbar. Versuchen Sie es in einigen Minuten "
                            "erneut.",
        "rate_limited_title": "Zu viele Versuche",
        "rate_limited_text": "Sie haben zu viele Anmeldeversuche unternommen. Warten Sie eine Minute und versuchen "
                             "Sie es erneut.",
        "bad_request_title": "Ungültige Anfrage",
        "error_title": "Etwas ist schiefgelaufen",
        "error_text": "Etwas ist schiefgelaufen. Bitte erneut versuchen.",
        "start": "Zur Startseite",
        "language": "Sprache",
    },
    "en": {
        "title": "Government login",
        "choose_language": "Choose your language",
        "intro": "Log in to see your data held by the government.",
        "connect": "Log in",
        "choose_method": "Choose your digital key",
        "eid": "Log in with an eID card reader",
        "itsme": "Log in with itsme",
        "token": "Log in with a security code via token",
        "not_available": "Not available in this demo",
        "eid_intro": "Insert your eID in the card reader and choose how your browser uses the card.",
        "loginhost": "Log in with your certificate (login host)",
        "loginhost_help": "Your browser asks you to confirm your certificate; the eID middleware asks for your PIN.",
        "loginhost_off": "This portal has no login host configured.",
        "webeid": "Log in with Web eID",
        "webeid_help": "Your browser's Web eID extension calls the eidlib application, which asks for your PIN.",
        "webeid_checking": "Checking whether Web eID is available…",
        "webeid_ready": "Web eID is available.",
        "webeid_no_extension": "The Web eID extension is not installed in this browser.",
        "webeid_no_app": "The Web eID extension is there, but the eidlib application (eid webeid-host) is not.",
        "install_title": "What to install",
        "install_help": "Neither way of logging in is available. Install one of these:",
        "install_middleware": "the eID middleware (PKCS#11 module) in your browser, for the login host;",
        "install_webeid": "the Web eID extension and the eidlib application (eid webeid-host), for Web eID.",
        "login_busy": "Logging in…",
        "login_failed": "Login failed. Please try again.",
        "welcome": "Welcome",
        "logged_in": "You are logged in with your eID.",
        "expires": "Your session ends on",
        "logout": "Log out",
        "logged_out_title": "You are logged out",
        "logged_out_text": "Your session has ended. Close your browser if you use a shared computer.",
        "login_again": "Log in again",
        "warning_title": "Your session is about to expire",
        "warning_text": "Your session ends at {time}. Select OK to stay logged in.",
        "ok": "OK",
        "ended_title": "The session could not be extended",
        "ended_text": "Your session has expired or the server cannot be reached. Please log in again.",
        "session_expired": "Your session has expired. Please log in again.",
        "not_found_title": "Page not found",
        "not_found_text": "This page does not exist.",
        "unavailable_title": "Service temporarily unavailable",
        "unavailable_text": "The service is temporarily unavailable. Please try again in a few minutes.",
        "rate_limited_title": "Too many attempts",
        "rate_limited_text": "You made too many login attempts. Wait a minute and try again.",
        "bad_request_title": "Bad request",
        "error_title": "Something went wrong",
        "error_text": "Something went wrong. Please try again.",
        "start": "Back to the start",
        "language": "Language",
    },
}


def texts(lang: str) -> dict[str, str]:
    """The texts of ``lang`` (English for an unknown language)."""
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


def pick_language(path: str, cookie: str | None, accepted: Iterable[str]) -> str:
    """The language of a page: the path's prefix, else the kept choice, else the browser's preference."""
    first = path.strip("/").split("/", 1)[0]
    if first in LANGUAGES:
        return first
    if cookie in LANGUAGES:
        return str(cookie)
    for tag in accepted:
        base = tag.split("-", 1)[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE
