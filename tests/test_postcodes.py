import math
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.placements.lists.distance import Origin, box_around
from backend.reference import postcodes
from backend.reference.postcodes import PROVINCES, distance_km, lookup_postcode


@pytest.mark.parametrize(
    ("code", "province"),
    [
        # Zwijndrecht merged into Beveren-Kruibeke-Zwijndrecht in 2025 and so moved province.
        ("2070", "BE-VOV"),
        ("9000", "BE-VOV"),
        ("8400", "BE-VWV"),
        ("8000", "BE-VWV"),
        ("1000", "BE-BRU"),
        ("3500", "BE-VLI"),
        ("3000", "BE-VBR"),
        ("2000", "BE-VAN"),
        ("4000", "BE-WLG"),
        ("1300", "BE-WBR"),
        ("7000", "BE-WHT"),
        ("6700", "BE-WLX"),
        ("5000", "BE-WNA"),
    ],
)
def test_province_from_municipality(code, province):
    info = lookup_postcode(code)
    assert info is not None
    assert info.code == code
    assert info.province == province


def test_municipality_names():
    assert [(m.name_nl, m.name_fr) for m in lookup_postcode("9000").municipalities] == [
        ("Gent", "Gand")
    ]
    assert lookup_postcode("2070").municipalities[0].name_nl == "Beveren-Kruibeke-Zwijndrecht"


def test_postcode_shared_by_two_municipalities():
    names = {m.name_nl for m in lookup_postcode("1050").municipalities}
    assert names == {"Brussel", "Elsene"}
    assert lookup_postcode("1050").province == "BE-BRU"


@pytest.mark.parametrize("code", ["0000", "9999", "1234", "123", "12345", "abcd", "", "90 00"])
def test_unknown_or_malformed(code):
    assert lookup_postcode(code) is None


def test_provinces_table():
    assert len(PROVINCES) == 11
    assert PROVINCES["BE-VOV"] == {"nl": "Oost-Vlaanderen", "en": "East Flanders"}
    assert all(set(names) == {"nl", "en"} for names in PROVINCES.values())


def test_every_postcode_has_a_known_province_and_coordinates():
    table = postcodes._table()
    assert len(table) > 1100
    assert {info.province for info in table.values()} == set(PROVINCES)
    for info in table.values():
        assert info.municipalities
        assert info.latitude is not None and 49.4 < info.latitude < 51.6
        assert info.longitude is not None and 2.5 < info.longitude < 6.5


def test_coordinates_fall_back_to_a_sibling_postcode():
    # 1931 (Machelen) has no coordinates of its own in countrystatecity; 1830 is Machelen too.
    own = postcodes._coordinates()
    assert "1931" not in own
    info = lookup_postcode("1931")
    assert (info.latitude, info.longitude) == own["1830"]


def test_distance_brugge_oostende():
    brugge, oostende = lookup_postcode("8000"), lookup_postcode("8400")
    km = distance_km(brugge.latitude, brugge.longitude, oostende.latitude, oostende.longitude)
    assert 15 < km < 30


def test_distance_basics():
    assert distance_km(51.0, 4.0, 51.0, 4.0) == 0
    # One degree of latitude is about 111 km.
    assert distance_km(50.0, 4.0, 51.0, 4.0) == pytest.approx(111.2, abs=0.5)
    assert distance_km(50.0, 4.0, 51.0, 5.0) == pytest.approx(distance_km(51.0, 5.0, 50.0, 4.0))


def test_table_is_built_once_and_quickly():
    postcodes._table.cache_clear()
    started = time.perf_counter()
    lookup_postcode("9000")
    assert time.perf_counter() - started < 2.0
    assert lookup_postcode("8000") is lookup_postcode("8000")


# --- properties (hypothesis) -----------------------------------------------------------------

KNOWN = sorted(postcodes._table())
known_codes = st.sampled_from(KNOWN)
# Belgium lies within these bounds, with a margin.
SOUTH, NORTH, WEST, EAST = 49.4, 51.6, 2.4, 6.5


@given(st.text(max_size=8))
def test_any_text_is_a_known_postcode_or_none_and_never_raises(text):
    info = lookup_postcode(text)
    assert info is None or (info.code == text.strip() and text.strip() in KNOWN)


@given(known_codes, st.sampled_from(["", " ", "\t"]), st.sampled_from(["", " ", "\n"]))
def test_every_known_postcode_has_a_province_and_a_place_in_belgium(code, before, after):
    info = lookup_postcode(f"{before}{code}{after}")
    assert info is not None and info.code == code
    assert info.province in PROVINCES
    assert info.municipalities and all(m.name_nl and m.name_fr for m in info.municipalities)
    assert SOUTH < info.latitude < NORTH and WEST < info.longitude < EAST


def _point(code):
    info = lookup_postcode(code)
    return info.latitude, info.longitude


@given(known_codes, known_codes, known_codes)
def test_distances_are_symmetric_and_keep_the_triangle_inequality(a, b, c):
    pa, pb, pc = _point(a), _point(b), _point(c)
    assert distance_km(*pa, *pa) == 0
    assert math.isclose(distance_km(*pa, *pb), distance_km(*pb, *pa), abs_tol=1e-9)
    assert distance_km(*pa, *pc) <= distance_km(*pa, *pb) + distance_km(*pb, *pc) + 1e-6
    # Belgium is about 280 km across.
    assert distance_km(*pa, *pb) < 330


@given(known_codes, known_codes, st.floats(min_value=0.5, max_value=300))
def test_the_browse_box_holds_every_postcode_within_the_radius(origin, other, max_km):
    """The SQL pre-filter of the distance filter may keep too much, never too little."""
    here, there = _point(origin), _point(other)
    south, north, west, east = box_around(Origin(*here), max_km)
    if distance_km(*here, *there) <= max_km:
        assert south <= there[0] <= north and west <= there[1] <= east
