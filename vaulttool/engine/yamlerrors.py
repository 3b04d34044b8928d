"""Say a YAML syntax error (VT103) in plain words, at the line where the mistake is.

ruamel.yaml reports where it gave up, in its own terms: an unclosed quote on line 6 shows as
`expected <block end>, but found '['` two lines further down, where the next quote closed it. The
common mistakes are recognised from the parser's error and the frontmatter text; anything else keeps
the parser's own words (`YAML syntax error: …`) at the parser's position.

Pure: text, the parser's error and the scanner's quoted scalars in, (line, col, message) out. Positions are 0-based, within the
frontmatter text, as in `yamlnodes`.
"""

from __future__ import annotations

import re
from typing import Sequence

Mark = tuple[int, int]  # (line, col), 0-based
Quoted = tuple[Mark, Mark, str]  # a quoted scalar the scanner read: start, end, quote character

# Where a value may begin: the indentation, list dashes and an optional key before it (`  - key: `).
_VALUE_START = re.compile(r" *(?:- +)*(?:[^ #].*?: +)?")
# `key:value` with no space after the colon; a URL's `://` is not that.
_NO_SPACE = re.compile(r" *(?:- +)?([^\s:#'\"\[\]{}|>&*!%@`,?-][^\s:]*):(?![\s/])(\S)")


def describe(text: str, problem: str | None, problem_mark: Mark | None, context: str | None = None,
             context_mark: Mark | None = None, quoted: Sequence[Quoted] = ()) -> tuple[int, int, str]:
    """(line, col, message) for the error the parser raised on `text`; `quoted` are the quoted scalars
    the scanner read from it, in order (`yamlnodes.quoted_scalars`)."""
    lines = text.replace("\r\n", "\n").split("\n")
    problem = problem or ""
    recognised = _recognise(lines, problem, problem_mark, context or "", context_mark, quoted)
    if recognised is not None:
        line, col, message = recognised
    else:
        mark = problem_mark or context_mark or (0, 0)
        line, col, message = mark[0], mark[1], f"YAML syntax error: {problem or context or 'invalid YAML'}"
    return (*_within(lines, line, col), message)


def _recognise(lines: list[str], problem: str, problem_mark: Mark | None, context: str,
               context_mark: Mark | None, quoted: Sequence[Quoted]) -> tuple[int, int, str] | None:
    if context == "while scanning a quoted scalar" and context_mark is not None:
        quote = _char(lines, context_mark)
        return (*context_mark, f"unclosed {quote} quote: the value that starts here never ends")
    if problem_mark is None:
        return None
    if problem.startswith("found character '\\t'"):
        return (*problem_mark, "tab where YAML expects a space: write spaces instead")
    early = _quoted_before(lines, quoted, problem_mark)
    if early is not None:
        return early
    if context.startswith("while parsing a flow ") and context_mark is not None and problem_mark[0] > context_mark[0]:
        bracket = _char(lines, context_mark)
        what = "list" if bracket == "[" else "mapping"
        return (*context_mark, f"unclosed {bracket}: the {what} that starts here never ends")
    if context == "while scanning a simple key" and context_mark is not None:
        return _not_a_key(lines, context_mark)
    if problem == "mapping values are not allowed here":
        return _stray_colon(lines, problem_mark)
    if problem.startswith("expected <block end>, but found '<block"):
        what = "list item" if "sequence" in problem else "key"
        message = _bad_indent(lines, problem_mark[0], what)
        return (*problem_mark, message) if message else None
    if problem == "expected <block end>, but found '-'":
        return (*problem_mark, "a list item where YAML expects a key: a list goes under its key, "
                               "indented (`key:`, then `  - item`)")
    if problem == "expected <block end>, but found '?'":
        return (*problem_mark, "a key where YAML expects a list item: each item of a list starts with '- '")
    return None


def _quoted_before(lines: list[str], quoted: Sequence[Quoted], problem_mark: Mark) -> tuple[int, int, str] | None:
    """The error that follows a quoted value on the line where it closed: an unclosed quote that
    the next value's opening quote closed, or a quote inside a value that ends it early."""
    last = None
    for start, end, quote in quoted:
        if end > problem_mark:
            break
        last = start, end, quote
    if last is None:
        return None
    (start_line, start_col), (end_line, end_col), quote = last
    if end_line != problem_mark[0]:
        return None
    if end_line > start_line and _VALUE_START.fullmatch(lines[end_line][: end_col - 1]):
        # The closing quote stands where a value of its own begins: it opened that value, and the
        # quote on `start_line` was never closed.
        return start_line, start_col, f"unclosed {quote} quote: the value that starts here never ends"
    if problem_mark == (end_line, end_col):
        escaped = "''" if quote == "'" else '\\"'
        return (end_line, end_col - 1, f"this {quote} ends the quoted value early: "
                                       f"inside a {quote}-quoted value write it as {escaped}")
    return None


def _not_a_key(lines: list[str], mark: Mark) -> tuple[int, int, str]:
    """A line in a mapping that holds no `key: value`: a missing space after `:`, or no colon at all."""
    line = lines[mark[0]] if mark[0] < len(lines) else ""
    missing = _NO_SPACE.match(line)
    if missing:
        return mark[0], missing.start(2), _missing_space(missing, line)
    return mark[0], _indent(line), "expected 'key: value': this line has no ': ' after a key"


def _missing_space(missing: re.Match[str], line: str) -> str:
    key, rest = missing.group(1), line[missing.start(2):].rstrip()
    written = line[missing.start(1):].rstrip()
    return f"missing space after ':': YAML reads '{written}' as text, not as the key '{key}'; write '{key}: {rest}'"


def _stray_colon(lines: list[str], mark: Mark) -> tuple[int, int, str] | None:
    """`mapping values are not allowed here`: a `: ` inside a plain value, or a key YAML read as
    the continuation of the value above it (indented too far, or that value's `key:value`)."""
    line_number, col = mark
    line = lines[line_number] if line_number < len(lines) else ""
    key = re.match(r" *(?:- +)*[^ #][^:]*?: +", line)
    if key and key.end() < col:
        return line_number, key.end(), "': ' inside an unquoted value: quote the whole value"
    above = _line_above(lines, line_number)
    if above is None:
        return None
    indent, above_indent = _indent(line), _indent(lines[above])
    if indent > above_indent:
        return line_number, indent, (f"bad indentation: this key is indented {_spaces(indent)}, the line above "
                                     f"{_spaces(above_indent)}, so YAML reads it as part of the value above")
    missing = _NO_SPACE.match(lines[above])
    if missing:
        return above, missing.start(2), _missing_space(missing, lines[above])
    return None


def _bad_indent(lines: list[str], line_number: int, what: str) -> str | None:
    """The line is indented less than the block it is in, but more than the block around that one."""
    indent = _indent(lines[line_number]) if line_number < len(lines) else 0
    above = _line_above(lines, line_number)
    if above is None:
        return None  # (the parser names a block it is in, so there is a line above)
    # A key's siblings are keys: on a line `  - key: 1` the key stands after the dash.
    above_indent = _indent(lines[above]) if what == "list item" else _key_column(lines[above])
    if indent == above_indent:
        return None  # not a difference to name: the parser's own words say more
    alike = "the items of one list" if what == "list item" else "the keys of one mapping"
    return (f"bad indentation: this {what} is indented {_spaces(indent)}, the line above "
            f"{_spaces(above_indent)}; indent {alike} alike")


def _key_column(line: str) -> int:
    keyed = re.match(r"( *(?:- +)*)[^ #][^:]*?:(?: |$)", line)
    return len(keyed.group(1)) if keyed else _indent(line)


def _line_above(lines: list[str], line_number: int) -> int | None:
    """The nearest line above with content (not blank, not a comment)."""
    for number in range(min(line_number, len(lines)) - 1, -1, -1):
        stripped = lines[number].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _spaces(count: int) -> str:
    return f"{count} space" if count == 1 else f"{count} spaces"


def _char(lines: list[str], mark: Mark) -> str:
    line = lines[mark[0]] if mark[0] < len(lines) else ""
    return line[mark[1]] if mark[1] < len(line) else "?"


def _within(lines: list[str], line: int, col: int) -> tuple[int, int]:
    """The position, moved back onto the last line with content when the parser stopped at the end
    of the text (an error `at the end of the stream` is about what came before)."""
    if lines and lines[-1] == "":
        lines = lines[:-1]
    if line < len(lines):
        return line, min(col, len(lines[line]))
    last = _line_above(lines, len(lines))
    if last is None:
        return 0, 0
    return last, len(lines[last])
