"""The words of calgate's emails in each language they are written in, and dates in the
recipient's locale (Babel's CLDR data: month and day names are never written by hand here).

A recipient's locale is Cal.com's code (user `locale`, attendee `language`: `en`, `de`,
`pt-BR`, ...). A language without a catalogue here is written in English, dates included, so
one email never mixes two languages.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

DEFAULT = "en"

_EN = {
    "what": "What",
    "when": "When",
    "where": "Where",
    "host": "Host",
    "attendees": "Attendees",
    "reason": "Reason",
    "change": "Need to make a change?",
    "reschedule": "Reschedule",
    "cancel": "Cancel",
    "or": "or",
    "confirmed.subject": "Confirmed: {title}",
    "confirmed.heading": "Your event has been scheduled",
    "new_event.subject": "New event: {title}",
    "new_event.heading": "A new event has been scheduled",
    "new_attendee.subject": "New attendee: {title}",
    "new_attendee.heading": "A new attendee joined",
    "new_attendee.intro": "A seat was booked.",
    "action_required.subject": "Action required: {title}",
    "action_required.heading": "A new booking request needs your confirmation",
    "action_required.intro": "Confirm or decline it from your bookings.",
    "submitted.subject": "Request submitted: {title}",
    "submitted.heading": "Your booking request has been submitted",
    "submitted.intro": "You will get an email once the host confirms it.",
    "rescheduled.subject": "Rescheduled: {title}",
    "rescheduled.heading": "Your event has been rescheduled",
    "cancelled.subject": "Cancelled: {title}",
    "cancelled.heading": "This event has been cancelled",
    "added_request.subject": "Request submitted: {title}",
    "added_request.heading": "You were added to a booking request",
    "added_request.intro": "You will get an email once the host confirms it.",
    "new_guests.subject": "New guests: {title}",
    "new_guests.heading": "New guests were added to this event",
    "declined.subject": "Declined: {title}",
    "declined.heading": "Your booking request was declined",
    "reminder.subject": "Reminder: {title}",
    "reminder.heading": "Your event is coming up",
    "reminder.intro": "It starts in {minutes} minutes.",
    "code.subject": "{code} is your verification code",
    "code.text": "Your verification code is {code}. It expires in 10 minutes.",
}

_DE = {
    "what": "Was",
    "when": "Wann",
    "where": "Wo",
    "host": "Gastgeber",
    "attendees": "Teilnehmer",
    "reason": "Grund",
    "change": "Möchten Sie etwas ändern?",
    "reschedule": "Verschieben",
    "cancel": "Absagen",
    "or": "oder",
    "confirmed.subject": "Bestätigt: {title}",
    "confirmed.heading": "Ihr Termin wurde gebucht",
    "new_event.subject": "Neuer Termin: {title}",
    "new_event.heading": "Ein neuer Termin wurde gebucht",
    "new_attendee.subject": "Neuer Teilnehmer: {title}",
    "new_attendee.heading": "Ein neuer Teilnehmer ist dabei",
    "new_attendee.intro": "Ein Platz wurde gebucht.",
    "action_required.subject": "Aktion erforderlich: {title}",
    "action_required.heading": "Eine neue Buchungsanfrage wartet auf Ihre Bestätigung",
    "action_required.intro": "Bestätigen oder lehnen Sie sie in Ihren Buchungen ab.",
    "submitted.subject": "Anfrage gesendet: {title}",
    "submitted.heading": "Ihre Buchungsanfrage wurde gesendet",
    "submitted.intro": "Sie erhalten eine E-Mail, sobald der Gastgeber sie bestätigt.",
    "rescheduled.subject": "Verschoben: {title}",
    "rescheduled.heading": "Ihr Termin wurde verschoben",
    "cancelled.subject": "Abgesagt: {title}",
    "cancelled.heading": "Dieser Termin wurde abgesagt",
    "added_request.subject": "Anfrage gesendet: {title}",
    "added_request.heading": "Sie wurden zu einer Buchungsanfrage hinzugefügt",
    "added_request.intro": "Sie erhalten eine E-Mail, sobald der Gastgeber sie bestätigt.",
    "new_guests.subject": "Neue Gäste: {title}",
    "new_guests.heading": "Zu diesem Termin wurden neue Gäste hinzugefügt",
    "declined.subject": "Abgelehnt: {title}",
    "declined.heading": "Ihre Buchungsanfrage wurde abgelehnt",
    "reminder.subject": "Erinnerung: {title}",
    "reminder.heading": "Ihr Termin steht bevor",
    "reminder.intro": "Er beginnt in {minutes} Minuten.",
    "code.subject": "{code} ist Ihr Bestätigungscode",
    "code.text": "Ihr Bestätigungscode lautet {code}. Er ist 10 Minuten gültig.",
}

_FR = {
    "what": "Quoi",
    "when": "Quand",
    "where": "Où",
    "host": "Organisateur",
    "attendees": "Participants",
    "reason": "Motif",
    "change": "Besoin d'un changement ?",
    "reschedule": "Reprogrammer",
    "cancel": "Annuler",
    "or": "ou",
    "confirmed.subject": "Confirmé : {title}",
    "confirmed.heading": "Votre événement est planifié",
    "new_event.subject": "Nouvel événement : {title}",
    "new_event.heading": "Un nouvel événement a été planifié",
    "new_attendee.subject": "Nouveau participant : {title}",
    "new_attendee.heading": "Un nouveau participant s'est inscrit",
    "new_attendee.intro": "Une place a été réservée.",
    "action_required.subject": "Action requise : {title}",
    "action_required.heading": "Une nouvelle demande de réservation attend votre confirmation",
    "action_required.intro": "Confirmez-la ou refusez-la depuis vos réservations.",
    "submitted.subject": "Demande envoyée : {title}",
    "submitted.heading": "Votre demande de réservation a été envoyée",
    "submitted.intro": "Vous recevrez un e-mail dès que l'organisateur l'aura confirmée.",
    "rescheduled.subject": "Reprogrammé : {title}",
    "rescheduled.heading": "Votre événement a été reprogrammé",
    "cancelled.subject": "Annulé : {title}",
    "cancelled.heading": "Cet événement a été annulé",
    "added_request.subject": "Demande envoyée : {title}",
    "added_request.heading": "Vous avez été ajouté à une demande de réservation",
    "added_request.intro": "Vous recevrez un e-mail dès que l'organisateur l'aura confirmée.",
    "new_guests.subject": "Nouveaux invités : {title}",
    "new_guests.heading": "De nouveaux invités ont été ajoutés à cet événement",
    "declined.subject": "Refusé : {title}",
    "declined.heading": "Votre demande de réservation a été refusée",
    "reminder.subject": "Rappel : {title}",
    "reminder.heading": "Votre événement approche",
    "reminder.intro": "Il commence dans {minutes} minutes.",
    "code.subject": "{code} est votre code de vérification",
    "code.text": "Votre code de vérification est {code}. Il expire dans 10 minutes.",
}

_ES = {
    "what": "Qué",
    "when": "Cuándo",
    "where": "Dónde",
    "host": "Anfitrión",
    "attendees": "Asistentes",
    "reason": "Motivo",
    "change": "¿Necesitas hacer un cambio?",
    "reschedule": "Reprogramar",
    "cancel": "Cancelar",
    "or": "o",
    "confirmed.subject": "Confirmado: {title}",
    "confirmed.heading": "Tu evento ha sido programado",
    "new_event.subject": "Nuevo evento: {title}",
    "new_event.heading": "Se ha programado un nuevo evento",
    "new_attendee.subject": "Nuevo asistente: {title}",
    "new_attendee.heading": "Se ha unido un nuevo asistente",
    "new_attendee.intro": "Se ha reservado una plaza.",
    "action_required.subject": "Acción requerida: {title}",
    "action_required.heading": "Una nueva solicitud de reserva necesita tu confirmación",
    "action_required.intro": "Confírmala o recházala desde tus reservas.",
    "submitted.subject": "Solicitud enviada: {title}",
    "submitted.heading": "Tu solicitud de reserva ha sido enviada",
    "submitted.intro": "Recibirás un correo cuando el anfitrión la confirme.",
    "rescheduled.subject": "Reprogramado: {title}",
    "rescheduled.heading": "Tu evento ha sido reprogramado",
    "cancelled.subject": "Cancelado: {title}",
    "cancelled.heading": "Este evento ha sido cancelado",
    "added_request.subject": "Solicitud enviada: {title}",
    "added_request.heading": "Te han añadido a una solicitud de reserva",
    "added_request.intro": "Recibirás un correo cuando el anfitrión la confirme.",
    "new_guests.subject": "Nuevos invitados: {title}",
    "new_guests.heading": "Se han añadido nuevos invitados a este evento",
    "declined.subject": "Rechazado: {title}",
    "declined.heading": "Tu solicitud de reserva ha sido rechazada",
    "reminder.subject": "Recordatorio: {title}",
    "reminder.heading": "Tu evento se acerca",
    "reminder.intro": "Empieza en {minutes} minutos.",
    "code.subject": "{code} es tu código de verificación",
    "code.text": "Tu código de verificación es {code}. Caduca en 10 minutos.",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": _EN, "de": _DE, "fr": _FR, "es": _ES}


def pick(code: str | None) -> str:
    """The catalogue for a Cal.com locale code: itself, else its language (`es-419` → `es`),
    else English."""
    if not code:
        return DEFAULT
    code = code.strip().replace("_", "-")
    if code in CATALOGUES:
        return code
    language = code.split("-", 1)[0].lower()
    return language if language in CATALOGUES else DEFAULT


class Words:
    """One language's words: `words("confirmed.subject", title=...)`; a key a catalogue lacks
    is said in English."""

    def __init__(self, code: str | None) -> None:
        self.language = pick(code)
        self.locale = Locale.parse(self.language, sep="-")
        self._table = CATALOGUES[self.language]

    def __call__(self, key: str, **values: object) -> str:
        return self._table.get(key, _EN[key]).format(**values)

    def when(self, start: datetime, end: datetime, tz: ZoneInfo) -> str:
        """E.g. `Monday, March 2, 2026 09:00 - 09:30`, `Montag, 2. März 2026 09:00 - 09:30`."""
        s, e = start.astimezone(tz), end.astimezone(tz)
        day = format_date(s, format="full", locale=self.locale)
        begins = format_time(s, "HH:mm", tzinfo=tz, locale=self.locale)
        ends = format_time(e, "HH:mm", tzinfo=tz, locale=self.locale)
        return f"{day} {begins} - {ends}"
