"""One Settings object configures the process: create_app, the CLI's commands and the mail
worker call `configure` with the Settings they were given or built, and nothing below them
reads the environment. What is configured here is used deep inside transactions, where no
request or Settings object is at hand: the keys of the national numbers, password and token
hashing, the mails' links, the live-event broker."""

from backend import crypto
from backend.auth import security
from backend.config import Settings
from backend.events import broker as events
from backend.mail import service as mail


def configure(settings: Settings) -> None:
    crypto.configure(settings)
    security.configure(settings)
    mail.configure(settings)
    events.configure(settings.redis_url)
