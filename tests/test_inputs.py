import codecs

import pytest

from detector.errors import InputError
from detector.io.decode import check_text, decode_bytes


@pytest.mark.parametrize("data", [b"", b"   \n\t  ", "\ufeff".encode("utf-8") + b"  "])
def test_empty_is_refused(data):
    with pytest.raises(InputError) as exc:
        decode_bytes(data)
    assert exc.value.code == "empty"


def test_binary_is_refused():
    with pytest.raises(InputError) as exc:
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert exc.value.code == "binary"
    assert "binary" in exc.value.message


def test_control_characters_are_refused_as_binary():
    with pytest.raises(InputError) as exc:
        check_text("".join(chr(c) for c in range(1, 9)) * 100)
    assert exc.value.code == "binary"


def test_utf8_passes_and_windows_1252_is_guessed():
    assert decode_bytes("Putin’s “model” relations.".encode()).encoding == "utf-8"
    decoded = decode_bytes("Putin’s “model” relations, café.".encode("cp1252"))
    assert decoded.text == "Putin’s “model” relations, café."
    assert decoded.encoding == "cp1252"


def test_utf16_with_bom():
    data = codecs.BOM_UTF16_LE + "Hello world, a sentence.".encode("utf-16-le")
    assert decode_bytes(data).text == "Hello world, a sentence."


def test_too_large_is_refused_with_a_fix():
    with pytest.raises(InputError) as exc:
        check_text("a" * 101, max_chars=100)
    assert exc.value.code == "too_large"
    assert "--max-chars" in exc.value.message
    with pytest.raises(InputError):
        decode_bytes(b"a" * 1000, max_chars=100)
