"""Lines, words and characters of a UTF-8 text, counted as it streams (never whole in memory)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ecs_runtime import ObjectStream, RejectedObjectError

READ_BYTES = 1 << 20


@dataclass(frozen=True)
class TextStats:
    lines: int
    """Newline characters, as `wc -l` counts them."""
    words: int
    """Runs of characters between whitespace, as `str.split()` finds them."""
    characters: int
    """Unicode code points (a leading byte order mark is not one)."""

    def as_dict(self) -> dict[str, int]:
        return {"lines": self.lines, "words": self.words, "characters": self.characters}


def count_text(stream: ObjectStream) -> TextStats:
    """The counts of the stream's text; RejectedObjectError when it is not UTF-8, naming the byte.

    A character or a word may straddle two reads: the incremental decoder keeps a partial character
    for the next read, and `in_word` says whether the last read ended inside a word.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = words = characters = offset = 0
    in_word = False
    while True:
        chunk = stream.read(READ_BYTES)
        held = len(decoder.getstate()[0])  # bytes of a partial character from the last read
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:
            position = offset - held + error.start
            raise RejectedObjectError(f"not UTF-8 text: the byte at offset {position} is invalid") from None
        offset += len(chunk)
        if text:
            lines += text.count("\n")
            characters += len(text)
            words += len(text.split())
            if in_word and not text[0].isspace():
                words -= 1  # the last read's final word goes on here
            in_word = not text[-1].isspace()
        if not chunk:
            return TextStats(lines=lines, words=words, characters=characters)
