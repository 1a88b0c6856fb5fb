"""Every mail, in Dutch and English, as its reader gets it: the helpdesk (mail, phone, hours in
the mail's language) and the privacy statement in both parts, phones written for people, every
address a link, one accessible layout styled inline (webmail drops <style> and classes).

The templates are read from the directory, so a new mail is checked without touching this file;
its variables get sample values by their names (`*_phone` an E.164 number, `link` a link)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import meta

from backend.mail import service
from backend.mail.service import LANGUAGES, TEMPLATES, Site, render, templates
from backend.reference.contact import display_phone

# The helpdesk's number as an operator may write it: stored E.164, shown for people.
SUPPORT_PHONE = "+3222503777"
SUPPORT_SHOWN = {"nl": "02 250 37 77", "en": "+32 2 250 37 77"}
HOURS = {"nl": "werkdagen behalve woensdag, 9u30-12u en 13u-15u", "en": "weekdays 9:30-15:00"}
SUPPORT_LINE = {"nl": "Vragen? Mail naar", "en": "Questions? Mail"}
PUBLIC_URL = "http://stagematch.test"
CONTACT_PHONE = "+3259123456"
CONTACT_SHOWN = {"nl": "059 12 34 56", "en": "+32 59 12 34 56"}
# A raw E.164 number: a plus and 8 to 15 digits in a row.
E164 = re.compile(r"\+\d{8,15}")
URL = re.compile(r"https?://[^\s<>\"']+|www\.[^\s<>\"']+|[\w.+-]+@[\w-]+\.[\w.-]+")
MAILS = [(name, language) for name in templates() for language in LANGUAGES]


@pytest.fixture(autouse=True)
def site(monkeypatch):
    monkeypatch.setattr(
        service,
        "_site",
        Site(
            public_url=PUBLIC_URL,
            support_email="stages@stagematch.be",
            support_phone=SUPPORT_PHONE,
            support_hours=HOURS,
        ),
    )


def _variables(name: str, language: str) -> set[str]:
    env = service._environment()
    found: set[str] = set()
    for part in ("txt", "html"):
        source = (TEMPLATES / f"{name}.{language}.{part}").read_text()
        found |= meta.find_undeclared_variables(env.parse(source))
    return found


def _sample(variable: str) -> object:
    if variable == "link":
        return service.link("/school/requests/0c0ffee0-0000-4000-8000-000000000001")
    if variable.endswith("_phone"):
        return CONTACT_PHONE
    if variable.endswith("_email"):
        return "an@dienst.be"
    if variable == "count":
        return 2
    if variable.startswith("valid_"):
        return 7
    if variable == "deadline_name":
        return "decision_deadline"
    if variable.startswith("by_"):
        return False
    return f"Sample {variable}"


def _render(name: str, language: str) -> service.RenderedMail:
    given = {"language", "support_email", "support_phone", "support_hours", "privacy_url"}
    context = {v: _sample(v) for v in _variables(name, language) - given - {"subject", "m"}}
    return render(name, language, context)


class Page(HTMLParser):
    """What a reader of the HTML part gets: its text outside links, its links, its styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict[str, str | None]]] = []
        self.outside_links: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self.colours: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "a":
            self.hrefs.append(attributes.get("href") or "")
        if tag in {"meta", "br", "hr", "img", "link"}:
            return
        self.open.append((tag, attributes))
        style = _style(attributes.get("style"))
        if "color" in style:
            self.colours.append((style["color"], self._background()))

    def _background(self) -> str:
        for _, attributes in reversed(self.open):
            style = _style(attributes.get("style"))
            if "background-color" in style:
                return style["background-color"]
        return "#ffffff"

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        tags = [tag for tag, _ in self.open]
        if "title" in tags or "head" in tags and "body" not in tags:
            return
        self.text.append(data)
        if "h1" in tags:
            self.headings.append(data)
        if "a" not in tags:
            self.outside_links.append(data)


def _style(value: str | None) -> dict[str, str]:
    pairs = (p.split(":", 1) for p in (value or "").split(";") if ":" in p)
    return {k.strip().lower(): v.strip().lower() for k, v in pairs}


def _luminance(colour: str) -> float:
    hexes = colour.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    channels = [int(hexes[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _page(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_mail_has_both_languages_and_both_parts():
    names = {p.name for p in TEMPLATES.iterdir() if not p.name.startswith("_")}
    assert len(templates()) >= 12
    for name in templates():
        for language in LANGUAGES:
            for part in ("txt", "html"):
                assert f"{name}.{language}.{part}" in names
    # No HTML template without its text twin (render() starts from the text).
    for html in (n for n in names if n.endswith(".html") and n != "base.html"):
        assert Path(html).with_suffix(".txt").name in names


@pytest.mark.parametrize(("name", "language"), MAILS)
def test_both_parts_name_the_helpdesk_in_the_mails_language(name, language):
    mail = _render(name, language)
    page = _page(mail.html)
    other = "en" if language == "nl" else "nl"
    for part in (mail.text, _words(" ".join(page.text))):
        part = _words(part)
        assert SUPPORT_LINE[language] in part
        assert "stages@stagematch.be" in part
        assert SUPPORT_SHOWN[language] in part
        assert HOURS[language] in part and HOURS[other] not in part
        assert SUPPORT_LINE[other] not in part
    # In the text part, the privacy statement's address; in the HTML part, a link to it.
    assert f"{PUBLIC_URL}/privacy" in mail.text
    assert f"{PUBLIC_URL}/privacy" in page.hrefs
    assert "mailto:stages@stagematch.be" in page.hrefs
    assert "tel:+32-2-250-37-77" in page.hrefs


@pytest.mark.parametrize(("name", "language"), MAILS)
def test_no_phone_is_shown_as_stored(name, language):
    mail = _render(name, language)
    assert not E164.search(mail.text), mail.text
    assert not E164.search(mail.html)
    if "contact_phone" in _variables(name, language):
        assert CONTACT_SHOWN[language] in mail.text
        assert "tel:+32-59-12-34-56" in _page(mail.html).hrefs


@pytest.mark.parametrize(("name", "language"), MAILS)
def test_every_address_in_the_html_is_a_link_and_the_text_has_the_same(name, language):
    mail = _render(name, language)
    page = _page(mail.html)
    assert not URL.findall(" ".join(page.outside_links))
    assert all(page.hrefs), "an <a> without href"
    web = {h for h in page.hrefs if h.startswith("http")}
    # The text part leads to the same places as the HTML part (mail addresses and phones aside).
    assert set(re.findall(r"https?://\S+", mail.text)) == web


@pytest.mark.parametrize(("name", "language"), MAILS)
def test_the_layout_is_accessible_and_styled_inline(name, language):
    mail = _render(name, language)
    page = _page(mail.html)
    [html] = [attributes for tag, attributes in page.tags if tag == "html"]
    assert html.get("lang") == language
    # One real heading, the subject, as in the mail client's list.
    assert [tag for tag, _ in page.tags].count("h1") == 1
    assert _words(" ".join(page.headings)) == mail.subject
    assert "<style" not in mail.html.lower()
    assert not [a for _, a in page.tags if "class" in a or "id" in a]
    assert not [a for tag, a in page.tags if tag == "link"]
    for tag, attributes in page.tags:
        if tag == "table":
            assert attributes.get("role") == "presentation"
    # Text of every colour reads on its background (WCAG AA, 4.5:1).
    assert page.colours
    for foreground, background in page.colours:
        assert contrast(foreground, background) >= 4.5, (foreground, background)


def test_a_value_cannot_add_markup_or_break_the_subject():
    mail = render(
        "pupil_invited",
        "nl",
        {
            "service_name": "<b>Dienst</b>\nBcc: x@y.be",
            "pupil": "Jan",
            "track": "duaal",
            "school_year": "2026-2027",
            "link": service.link("/school/requests/1"),
        },
    )
    assert "\n" not in mail.subject
    assert "<b>" not in mail.html and "&lt;b&gt;Dienst&lt;/b&gt;" in mail.html


@pytest.mark.parametrize(
    ("raw", "international", "shown"),
    [
        ("+3259123456", False, "059 12 34 56"),
        ("+3259123456", True, "+32 59 12 34 56"),
        ("02 250 37 77", False, "02 250 37 77"),
        ("+32470123456", False, "0470 12 34 56"),
        # A number abroad is written internationally in Dutch mails too.
        ("+31201234567", False, "+31 20 123 4567"),
        # What does not parse stays as it was written.
        ("onbekend", False, "onbekend"),
    ],
)
def test_phones_are_written_for_people(raw, international, shown):
    assert display_phone(raw, international=international) == shown
