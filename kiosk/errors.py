"""Domain errors that services raise and views turn into a clear message and a 4xx."""


class Refused(Exception):
    """The action is not possible as asked; the message says why, in the office's words."""
    status = 409

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class BadInput(Refused):
    """A form came in with something missing or not one of the choices offered."""
    status = 400


class NotFound(Refused):
    status = 404


class CheckInClosed(Refused):
    status = 409


class StaleTicket(Refused):
    """Someone else moved the ticket since this screen showed it."""
    status = 409


class StaleRecord(Refused):
    """A record was changed by someone else after this form was opened; nothing was saved."""
    status = 409


class NotAllowed(Refused):
    """This person's role may not do this, though they may open the page it is on."""
    status = 403
