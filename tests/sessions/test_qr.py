"""The join QR code: a full QR symbol as SVG, for the join address."""

import io
from xml.etree import ElementTree

import segno

from sessions import qr

URL = "https://reflectie.example.nl/j/ABCDEF/"
SVG = "{http://www.w3.org/2000/svg}"


def test_it_is_a_well_formed_svg_with_a_title_naming_the_address():
    root = ElementTree.fromstring(qr.qr_svg(URL))
    assert root.tag == f"{SVG}svg"
    assert URL in root.find(f"{SVG}title").text


def test_it_is_a_full_qr_symbol_never_a_micro_qr():
    # Short content is where segno.make would pick a Micro QR that phones do not read.
    for url in (URL, "http://a.nl/j/A/"):
        symbol = segno.make_qr(url, error="m")
        assert symbol.is_micro is False
        expected = io.BytesIO()
        symbol.save(expected, title=qr.title(url), **qr.SVG_OPTIONS)
        assert qr.qr_svg(url) == expected.getvalue().decode()


def test_it_is_dark_on_light_and_big_enough_to_stay_sharp():
    root = ElementTree.fromstring(qr.qr_svg(URL))
    assert int(root.get("width").removesuffix("px")) >= 200
    assert root.get("viewBox")  # so CSS can size it without cropping
    paths = list(root.iter(f"{SVG}path"))
    assert paths[0].get("fill") == "#fff"
    assert paths[1].get("stroke") == "#000"
