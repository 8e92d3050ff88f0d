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
    "reassigned_new.subject": "New event: {title}",
    "reassigned_new.heading": "A booking has been reassigned to you",
    "reassigned_new.intro": "{previous} was its host until now.",
    "reassigned_request.subject": "Action required: {title}",
    "reassigned_request.heading": "A booking request has been reassigned to you",
    "reassigned_request.intro": "{previous} was its host until now. Confirm or decline it from "
    "your bookings.",
    "reassigned_away.subject": "Reassigned: {title}",
    "reassigned_away.heading": "Your event has been reassigned",
    "reassigned_away.intro": "{host} is its host now; you no longer host it.",
    "host_changed.subject": "Updated: {title}",
    "host_changed.heading": "Your event has been updated",
    "host_changed.intro": "{host} is your host now.",
    "confirmed.series_heading": "Your recurring event has been scheduled",
    "new_event.series_heading": "A new recurring event has been scheduled",
    "action_required.series_heading": "A new recurring booking request needs your confirmation",
    "submitted.series_heading": "Your recurring booking request has been submitted",
    "cancelled.series_heading": "These occurrences of a recurring event have been cancelled",
    "declined.series_heading": "Your recurring booking request was declined",
    "series.rule": "{every} for {occurrences}",
    "series.weekly.one": "Every week",
    "series.weekly.other": "Every {interval} weeks",
    "series.monthly.one": "Every month",
    "series.monthly.other": "Every {interval} months",
    "series.yearly.one": "Every year",
    "series.yearly.other": "Every {interval} years",
    "series.occurrences.one": "{count} occurrence",
    "series.occurrences.other": "{count} occurrences",
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
    "reassigned_new.subject": "Neuer Termin: {title}",
    "reassigned_new.heading": "Ein Termin wurde Ihnen übertragen",
    "reassigned_new.intro": "Bisher war {previous} Gastgeber.",
    "reassigned_request.subject": "Aktion erforderlich: {title}",
    "reassigned_request.heading": "Eine Buchungsanfrage wurde Ihnen übertragen",
    "reassigned_request.intro": "Bisher war {previous} Gastgeber. Bestätigen oder lehnen Sie "
    "sie in Ihren Buchungen ab.",
    "reassigned_away.subject": "Übertragen: {title}",
    "reassigned_away.heading": "Ihr Termin wurde übertragen",
    "reassigned_away.intro": "{host} ist jetzt Gastgeber; Sie sind es nicht mehr.",
    "host_changed.subject": "Aktualisiert: {title}",
    "host_changed.heading": "Ihr Termin wurde aktualisiert",
    "host_changed.intro": "{host} ist jetzt Ihr Gastgeber.",
    "confirmed.series_heading": "Ihr Serientermin wurde gebucht",
    "new_event.series_heading": "Ein neuer Serientermin wurde gebucht",
    "action_required.series_heading": "Eine neue Anfrage für einen Serientermin wartet auf "
    "Ihre Bestätigung",
    "submitted.series_heading": "Ihre Anfrage für einen Serientermin wurde gesendet",
    "cancelled.series_heading": "Diese Termine einer Terminserie wurden abgesagt",
    "declined.series_heading": "Ihre Anfrage für einen Serientermin wurde abgelehnt",
    "series.rule": "{every}, {occurrences}",
    "series.weekly.one": "Jede Woche",
    "series.weekly.other": "Alle {interval} Wochen",
    "series.monthly.one": "Jeden Monat",
    "series.monthly.other": "Alle {interval} Monate",
    "series.yearly.one": "Jedes Jahr",
    "series.yearly.other": "Alle {interval} Jahre",
    "series.occurrences.one": "{count} Termin",
    "series.occurrences.other": "{count} Termine",
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
    "reassigned_new.subject": "Nouvel événement : {title}",
    "reassigned_new.heading": "Une réservation vous a été réattribuée",
    "reassigned_new.intro": "{previous} en était l'organisateur jusqu'ici.",
    "reassigned_request.subject": "Action requise : {title}",
    "reassigned_request.heading": "Une demande de réservation vous a été réattribuée",
    "reassigned_request.intro": "{previous} en était l'organisateur jusqu'ici. Confirmez-la ou "
    "refusez-la depuis vos réservations.",
    "reassigned_away.subject": "Réattribué : {title}",
    "reassigned_away.heading": "Votre événement a été réattribué",
    "reassigned_away.intro": "{host} en est désormais l'organisateur ; vous ne l'êtes plus.",
    "host_changed.subject": "Mis à jour : {title}",
    "host_changed.heading": "Votre événement a été mis à jour",
    "host_changed.intro": "{host} est désormais votre organisateur.",
    "confirmed.series_heading": "Votre événement récurrent est planifié",
    "new_event.series_heading": "Un nouvel événement récurrent a été planifié",
    "action_required.series_heading": "Une nouvelle demande de réservation récurrente attend "
    "votre confirmation",
    "submitted.series_heading": "Votre demande de réservation récurrente a été envoyée",
    "cancelled.series_heading": "Ces occurrences d'un événement récurrent ont été annulées",
    "declined.series_heading": "Votre demande de réservation récurrente a été refusée",
    "series.rule": "{every}, {occurrences}",
    "series.weekly.one": "Chaque semaine",
    "series.weekly.other": "Toutes les {interval} semaines",
    "series.monthly.one": "Chaque mois",
    "series.monthly.other": "Tous les {interval} mois",
    "series.yearly.one": "Chaque année",
    "series.yearly.other": "Tous les {interval} ans",
    "series.occurrences.one": "{count} occurrence",
    "series.occurrences.other": "{count} occurrences",
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
    "reassigned_new.subject": "Nuevo evento: {title}",
    "reassigned_new.heading": "Se te ha reasignado una reserva",
    "reassigned_new.intro": "Hasta ahora su anfitrión era {previous}.",
    "reassigned_request.subject": "Acción requerida: {title}",
    "reassigned_request.heading": "Se te ha reasignado una solicitud de reserva",
    "reassigned_request.intro": "Hasta ahora su anfitrión era {previous}. Confírmala o recházala "
    "desde tus reservas.",
    "reassigned_away.subject": "Reasignado: {title}",
    "reassigned_away.heading": "Tu evento ha sido reasignado",
    "reassigned_away.intro": "Ahora su anfitrión es {host}; tú ya no lo eres.",
    "host_changed.subject": "Actualizado: {title}",
    "host_changed.heading": "Tu evento ha sido actualizado",
    "host_changed.intro": "Ahora tu anfitrión es {host}.",
    "confirmed.series_heading": "Tu evento periódico ha sido programado",
    "new_event.series_heading": "Se ha programado un nuevo evento periódico",
    "action_required.series_heading": "Una nueva solicitud de reserva periódica necesita tu "
    "confirmación",
    "submitted.series_heading": "Tu solicitud de reserva periódica ha sido enviada",
    "cancelled.series_heading": "Estas sesiones de un evento periódico han sido canceladas",
    "declined.series_heading": "Tu solicitud de reserva periódica ha sido rechazada",
    "series.rule": "{every}, {occurrences}",
    "series.weekly.one": "Cada semana",
    "series.weekly.other": "Cada {interval} semanas",
    "series.monthly.one": "Cada mes",
    "series.monthly.other": "Cada {interval} meses",
    "series.yearly.one": "Cada año",
    "series.yearly.other": "Cada {interval} años",
    "series.occurrences.one": "{count} sesión",
    "series.occurrences.other": "{count} sesiones",
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

    def plural(self, key: str, count: int, **values: object) -> str:
        """`key`'s form for `count` in this language (CLDR plural rules: `key.one`,
        `key.other`; a form the catalogue doesn't write, French `many`, is `other`)."""
        form = self.locale.plural_form(count)
        name = f"{key}.{form}" if f"{key}.{form}" in self._table else f"{key}.other"
        return self(name, count=count, **values)

    def occurrences(self, count: int) -> str:
        """E.g. `4 occurrences`, `4 Termine`."""
        return self.plural("series.occurrences", count)

    def series(self, frequency: str, interval: int, count: int) -> str:
        """A recurring series' rule: `Every week for 4 occurrences`, `Alle 2 Wochen, 4 Termine`
        (`frequency`: weekly, monthly or yearly)."""
        every = self.plural(f"series.{frequency}", interval, interval=interval)
        return self("series.rule", every=every, occurrences=self.occurrences(count))

    def when(self, start: datetime, end: datetime, tz: ZoneInfo) -> str:
        """E.g. `Monday, March 2, 2026 09:00 - 09:30`, `Montag, 2. März 2026 09:00 - 09:30`."""
        s, e = start.astimezone(tz), end.astimezone(tz)
        day = format_date(s, format="full", locale=self.locale)
        begins = format_time(s, "HH:mm", tzinfo=tz, locale=self.locale)
        ends = format_time(e, "HH:mm", tzinfo=tz, locale=self.locale)
        return f"{day} {begins} - {ends}"
