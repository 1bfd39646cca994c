"""Page text on a terminal. A title or body may carry ESC, BEL and other C0/C1 control characters: printed
raw, they are instructions to the terminal (set its title, clear the screen, hide text, on some terminals
write to the clipboard or a file). Every command that prints page text, and the crawl's log lines, pass it
through here: text as visible escapes (`\\x1b`), JSON with JSON's own escapes, so nothing is lost."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1
_JSON_UNESCAPED = re.compile(r"[\x7f-\x9f]")  # json.dumps escapes C0 itself, not DEL nor C1


def printable(text: str, keep: str = "\n\t") -> str:
    """`text` with every control character but those in `keep` written as a visible `\\xNN` escape. Newlines
    and tabs are kept where the text is laid out in lines; a field shown on one line passes keep=""."""
    return _CONTROLS.sub(lambda m: m[0] if m[0] in keep else f"\\x{ord(m[0]):02x}", text)


def json_text(value: Any, **dumps_args: Any) -> str:
    """json.dumps(ensure_ascii=False) with no raw control character left: the same data once parsed."""
    text = json.dumps(value, ensure_ascii=False, **dumps_args)
    return _JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


class EscapeControls(logging.Filter):
    """A handler filter: log lines carry page text (titles, dates, URLs) as their arguments. String arguments
    are escaped whole, newlines included, so a value cannot forge a log line of its own; the message around
    them and a traceback keep their line breaks but lose every other control character."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {key: _one_line(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_one_line(value) for value in record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a %d given a string: leave the record to logging's own error path
            return True
        record.msg, record.args = printable(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = printable(logging.Formatter().formatException(record.exc_info))
        return True


def _one_line(value: Any) -> Any:
    return printable(value, keep="") if isinstance(value, str) else value
