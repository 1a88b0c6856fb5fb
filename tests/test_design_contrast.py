"""The design's colours pass WCAG's contrast rules, computed from the tokens at the top of
frontend/src/styles.css (issue 19): every control's edge and the focus indicator 3:1 against
every background it sits on (WCAG 1.4.11, 2.4.13), text 4.5:1 (1.4.3), a status tag's text
4.5:1 on its tint and its edge 3:1 against the page. The rules that draw the controls must use
those tokens, every colour is a token, and sizes follow the reader's default font size.
Lightening a border or a text token in styles.css makes this test fail."""

import re
from itertools import product

import pytest

from tests.conftest import ROOT

CSS = (ROOT / "frontend" / "src" / "styles.css").read_text(encoding="utf-8")
SOURCE = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)

# Where text, controls and the focus indicator sit (the header has its own pairs below).
BACKGROUNDS = ("--color-page", "--color-card", "--color-panel", "--color-banner-bg")
# The edges that tell a control from its background: inputs, secondary and primary buttons,
# the danger button, checkboxes and radios, the track switch (a secondary button's edge).
CONTROL_EDGES = (
    "--color-input-border",
    "--color-button-secondary-border",
    "--color-choice-border",
    "--color-primary",
    "--color-danger",
)
# The focus indicator on light backgrounds: the dark ring (the yellow band inside it only
# adds to it); on the dark header: the yellow.
FOCUS_RING = "--color-focus"
TEXT = (
    "--color-text",
    "--color-text-secondary",
    "--color-link",
    "--color-link-hover",
    "--color-error",
    "--color-success",
    "--color-primary",  # a secondary button's text
    "--color-primary-hover",
)
# Text on a coloured ground: (text, background).
TEXT_ON = [
    ("--color-header-text", "--color-header-bg"),
    ("--color-focus-text", "--color-focus-halo"),
    ("--color-primary-text", "--color-primary"),
    ("--color-primary-text", "--color-primary-hover"),
    ("--color-primary-text", "--color-danger"),
    ("--color-primary-text", "--color-danger-hover"),
    ("--color-primary-hover", "--color-secondary-hover-bg"),
    ("--color-text", "--color-selected-bg"),
    ("--color-primary", "--color-selected-bg"),
    *[
        ("--color-banner-title", f"--color-banner-{phase}")
        for phase in ("before-open", "requests-open", "decisions-open", "closed")
    ],
]
# Other boundaries that carry meaning, 3:1 against what surrounds them: (edge, background).
EDGES_ON = [
    ("--color-focus-halo", "--color-header-bg"),  # the focus indicator in the header
    ("--color-focus", "--color-focus-halo"),  # a focused link's dark underline on its yellow
    ("--color-header-accent", "--color-header-bg"),  # the current page in the menu
    ("--color-header-text", "--color-header-bg"),  # the menu button's edge
    *[(f"--color-{kind}", bg) for kind in ("info", "error", "success") for bg in BACKGROUNDS],
    *[
        (f"--color-banner-{phase}", "--color-page")
        for phase in ("before-open", "requests-open", "decisions-open", "closed")
    ],
]
TAGS = ("open", "invited", "accepted", "not-placed", "withdrawn")


def root_tokens() -> dict[str, str]:
    """The custom properties of the first `:root` block (the tokens), by name."""
    block = re.search(r":root\s*\{(.*?)\n\}", SOURCE, flags=re.S)
    assert block, "styles.css starts with a :root block of tokens"
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", block.group(1)))


TOKENS = root_tokens()


def colour(name: str) -> tuple[float, float, float]:
    """A token's colour as sRGB 0..1, following var(--other) references; opaque hex only."""
    value = TOKENS[name].strip()
    while value.startswith("var("):
        value = TOKENS[value[4:-1].strip()].strip()
    match = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value)
    assert match, f"{name} must be an opaque #hex colour, is {value!r}"
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(name: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour(name))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcag():
    # Known pairs: black on white is 21:1, #767676 on white is the 4.5:1 grey.
    TOKENS.update({"--test-black": "#000", "--test-white": "#ffffff", "--test-grey": "#767676"})
    try:
        assert contrast("--test-black", "--test-white") == pytest.approx(21)
        assert contrast("--test-grey", "--test-white") == pytest.approx(4.54, abs=0.01)
    finally:
        for name in ("--test-black", "--test-white", "--test-grey"):
            del TOKENS[name]


@pytest.mark.parametrize(("edge", "background"), list(product(CONTROL_EDGES, BACKGROUNDS)))
def test_every_control_edge_stands_out_from_its_background(edge, background):
    assert contrast(edge, background) >= 3, (
        f"{edge} on {background}: {contrast(edge, background):.2f}:1"
    )


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_the_focus_indicator_stands_out_from_every_background(background):
    ratio = contrast(FOCUS_RING, background)
    assert ratio >= 3, f"{FOCUS_RING} on {background}: {ratio:.2f}:1"


@pytest.mark.parametrize(("text", "background"), list(product(TEXT, BACKGROUNDS)))
def test_text_reads_on_every_background(text, background):
    assert contrast(text, background) >= 4.5, (
        f"{text} on {background}: {contrast(text, background):.2f}:1"
    )


@pytest.mark.parametrize(("text", "background"), TEXT_ON)
def test_text_reads_on_its_coloured_ground(text, background):
    assert contrast(text, background) >= 4.5, (
        f"{text} on {background}: {contrast(text, background):.2f}:1"
    )


@pytest.mark.parametrize(("edge", "background"), EDGES_ON)
def test_meaningful_edges_stand_out(edge, background):
    assert contrast(edge, background) >= 3, (
        f"{edge} on {background}: {contrast(edge, background):.2f}:1"
    )


@pytest.mark.parametrize("tag", TAGS)
def test_a_status_tag_reads_and_has_a_visible_edge(tag):
    text, tint, edge = (f"--tag-{tag}-{part}" for part in ("text", "bg", "edge"))
    assert contrast(text, tint) >= 4.5, f"{tag}: text on its tint {contrast(text, tint):.2f}:1"
    for background in BACKGROUNDS:
        ratio = contrast(edge, background)
        assert ratio >= 3, f"{tag}: edge on {background} {ratio:.2f}:1"


def rules(text: str) -> list[tuple[str, str]]:
    """(selector, declarations) of every style rule, those inside @media included."""
    found: list[tuple[str, str]] = []
    depth, start, prelude = 0, 0, []
    for i, char in enumerate(text):
        if char == "{":
            prelude.append(text[start:i].strip())
            depth += 1
            start = i + 1
        elif char == "}":
            if prelude and not prelude[-1].startswith("@"):
                found.append((prelude[-1], text[start:i]))
            prelude.pop()
            depth -= 1
            start = i + 1
        elif char == ";" and prelude and prelude[-1].startswith("@"):
            start = i + 1
    assert depth == 0, "styles.css has unbalanced braces"
    return found


RULES = rules(SOURCE)


def declarations(selector_part: str) -> str:
    """The declarations of every rule whose selector contains `selector_part`, joined."""
    found = [body for selector, body in RULES if selector_part in selector]
    assert found, f"no rule for {selector_part}"
    return "\n".join(found)


@pytest.mark.parametrize(
    ("selector", "property_", "token"),
    [
        ('input[type="text"]', "border", "--color-input-border"),
        ("button, .button", "border", "--color-button-secondary-border"),
        ('input[type="checkbox"], input[type="radio"] {', "border", "--color-choice-border"),
        (":focus-visible {", "outline", "--color-focus"),
        (":focus-visible {", "box-shadow", "--color-focus-halo"),
        (".site-header a:focus-visible", "background", "--color-focus-halo"),
        (".badge {", "border", "--tag-open-edge"),
        (".badge-invited {", "border-color", "--tag-invited-edge"),
        (".badge-accepted {", "border-color", "--tag-accepted-edge"),
        (".badge-not-placed {", "border-color", "--tag-not-placed-edge"),
        (".badge-withdrawn {", "border-color", "--tag-withdrawn-edge"),
    ],
)
def test_the_controls_are_drawn_with_the_checked_tokens(selector, property_, token):
    if selector.endswith(" {"):
        bodies = [body for sel, body in RULES if sel == selector[:-2].strip()]
        assert bodies, f"no rule {selector}"
        body = "\n".join(bodies)
    else:
        body = declarations(selector)
    values = re.findall(rf"(?:^|[;\s]){re.escape(property_)}\s*:\s*([^;]+)", body)
    assert any(f"var({token})" in v for v in values), (
        f"{selector} {{ {property_}: … var({token}) }}"
    )


def test_every_colour_is_a_token():
    """Outside :root no rule names a colour of its own: what the test checks is what shows."""
    tokens_end = re.search(r":root\s*\{.*?\n\}", SOURCE, flags=re.S).end()
    rest = SOURCE[tokens_end:]
    literal = re.findall(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(", rest)
    assert literal == [], f"colours outside the tokens: {literal}"


def test_sizes_follow_the_readers_font_size():
    """Text is sized in rem or em from `html { font-size: 100% }`, media queries in em: the
    reader's own default size (and zoom) scale the page and move its breakpoints."""
    assert re.search(r"\bhtml\s*\{[^}]*font-size:\s*100%", SOURCE)
    for selector, body in RULES:
        for value in re.findall(r"font-size\s*:\s*([^;]+)", body):
            assert "px" not in value, f"{selector} {{ font-size: {value} }}"
    for value in TOKENS.values():
        if value.strip().endswith("px"):
            pytest.fail(f"a token in px: {value}")
    for query in re.findall(r"@media[^{]*\((?:max|min)-width:\s*([^)]+)\)", SOURCE):
        assert query.strip().endswith("em"), f"@media width in {query}"
