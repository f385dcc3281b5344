"""decode_html and the byte-level paths of analyze()."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.cleaning import Rejected, analyze, decode_html
from copydesk.cleaning.encoding import looks_binary

FRENCH = "<html><body><p>Le café était fermé à Noël, a déclaré la propriétaire, très déçue.</p></body></html>"


def test_declared_http_header_charset_wins():
    data = FRENCH.encode("cp1252")
    assert decode_html(data, "text/html; charset=windows-1252") == FRENCH
    assert decode_html(data, "text/html; charset=ISO-8859-1") == FRENCH  # latin-1 label means windows-1252


def test_declared_meta_charset():
    page = '<html><head><meta charset="koi8-r"></head><body><p>Привет, мир! Новая линия трамвая.</p></body></html>'
    assert decode_html(page.encode("koi8-r")) == page
    page2 = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head>'
             "<body><p>東京都は本日、新しい交通計画を発表しました。</p></body></html>")
    assert decode_html(page2.encode("shift_jis")) == page2


def test_wrong_declaration_falls_back_to_detection():
    page = "<html><body><p>Der Bürgermeister sagte, die Straße werde geöffnet.</p></body></html>"
    assert decode_html(page.encode("utf-8"), "text/html; charset=us-ascii") == page


def test_undeclared_latin1_page():
    page = "<p>caf\xe9 and na\xefve r\xe9sum\xe9 \xe0 la fran\xe7aise, d\xe9j\xe0 vu</p>"
    assert decode_html(page.encode("cp1252")) == page


def test_undeclared_utf8_and_bom():
    page = "<p>“Quotes” — and émigrés</p>"
    assert decode_html(page.encode("utf-8")) == page
    assert decode_html(b"\xef\xbb\xbf" + page.encode("utf-8")) == page
    assert decode_html(page.encode("utf-16")) == page


def test_utf8_with_a_few_broken_bytes_keeps_the_rest():
    data = "<p>“ok” café ".encode() + b"\xff\xfe" + " éé naïve</p>".encode()
    out = decode_html(data, "text/html; charset=utf-8")
    assert out.startswith("<p>“ok” café ") and out.endswith(" éé naïve</p>")


def test_unknown_charset_label_does_not_raise():
    assert decode_html(FRENCH.encode("utf-8"), "text/html; charset=x-no-such-thing") == FRENCH


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.one_of(st.none(), st.sampled_from(
    ["text/html", "text/html; charset=utf-8", "text/html; charset=bogus", "text/html; charset=utf-16"])))
def test_decode_html_never_raises(data, ctype):
    assert isinstance(decode_html(data, ctype), str)


def test_binary_garbage_is_rejected():
    assert looks_binary(bytes(range(256)) * 8)
    assert looks_binary(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    assert looks_binary(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert not looks_binary(FRENCH.encode("utf-8"))
    assert not looks_binary("<p>hi</p>".encode("utf-16"))
    assert analyze(bytes(range(256)) * 8) == Rejected("binary")
    assert analyze(b"\x89PNG\r\n\x1a\n" + bytes(500), "https://example.org/a.png") == Rejected("binary")


def test_non_html_content_type_is_rejected():
    assert analyze(b"%PDF-1.4 ...", content_type="application/pdf") == Rejected("binary")
    assert analyze("just words", content_type="image/png") == Rejected("not_html")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000))
def test_analyze_never_raises_on_bytes(data):
    result = analyze(data, "https://example.org/x")
    assert result is not None
