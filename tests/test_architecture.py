"""The core never names a provider: no "zoom" in the code under bot/ (names and string literals; docstrings and
comments may explain) outside bot/bootstrap.py, the one place that picks the adapters, and no "Zoom" in the
templates of bot/core/messages.py, which name the platform by a variable ({platform}, {command_word})."""
from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

from bot.core import messages as msg

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {ROOT / "bot" / "bootstrap.py"}
PROVIDER = "zoom"


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def provider_names_in(path: Path) -> list[str]:
    """Names and string literals (f-string parts included) that spell the provider, as "line: token"."""
    source = path.read_text(encoding="utf-8")
    docstrings = _docstring_lines(ast.parse(source))
    kinds = {tokenize.NAME, tokenize.STRING} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    return [f"{token.start[0]}: {token.string}"
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type in kinds and PROVIDER in token.string.lower() and token.start[0] not in docstrings]


def test_no_provider_name_in_the_code_under_bot():
    found = {str(path.relative_to(ROOT)): hits for path in sorted((ROOT / "bot").rglob("*.py"))
             if path not in ALLOWED and (hits := provider_names_in(path))}
    assert found == {}, "a provider is named outside integrations/<provider>/ and bot/bootstrap.py"


def test_templates_name_the_platform_by_a_variable():
    named = sorted(name for name, value in vars(msg).items()
                   if name.isupper() and isinstance(value, str) and PROVIDER in value.lower())
    assert named == [], "these templates spell the provider instead of {platform} / {command_word}"


def test_the_check_sees_names_and_literals_but_not_docstrings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""About Zoom."""\n# zoom here is fine\nPLATFORM = "zoom"\n\n\ndef zoom_ready():\n'
                      '    """Zoom is ready."""\n    return f"{PLATFORM}: Zoom"\n', encoding="utf-8")
    assert [hit.split(":")[0] for hit in provider_names_in(sample)] == ["3", "6", "8"]
