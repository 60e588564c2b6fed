"""Architecture ratchet: Step 0 of docs/design/family-agnostic-core.md.

Two rules, checked with `ast` (no imports of product code, no Django needed):

1. The core (`integrations_core/`) and `transactions/` do not know the families
   (`open_banking`, `investments`, `pensions`): no `import`/`from` of them, no string constant
   naming them (`"open_banking.BankAccount"` FK strings, model labels, `"open_banking_..."` table or
   lookup names) and no keyword argument lookup through them (`open_banking_bankconnections__isnull=`).
2. Nothing outside a provider's own folder (`<family>/providers/<slug>/`) names the provider: no
   import of that folder, no string literal equal to its slug or starting with its module path.
   Not scanned: `tests/`, `sandbox/`, `bench/`, `*/migrations/`, `config/settings.py`.

Today's violations are listed in KNOWN_FAMILY_SEAMS / KNOWN_PROVIDER_SEAMS (file -> offending
names). The lists must match the code exactly: a new seam fails, and so does a listed seam that is
gone, so the lists can only shrink. Each step of the plan deletes its rows.
"""

from __future__ import annotations

import ast
import functools
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = "docs/design/family-agnostic-core.md"
FAMILIES = ("open_banking", "investments", "pensions", "payments", "accounting")
NOT_SCANNED_TOP_DIRS = {"tests", "sandbox", "bench"}
NOT_SCANNED_FILES = {"config/settings.py"}
PRUNED_DIRS = {"migrations", "__pycache__", "node_modules", "site-packages"}

# Rule 1 (seam H removed by step 10): file -> offending imports/strings/lookups.
KNOWN_FAMILY_SEAMS: dict[str, set[str]] = {}

# Rule 2 (E removed by step 1, F by step 2): file -> offending imports/strings naming a provider outside its folder.
KNOWN_PROVIDER_SEAMS: dict[str, set[str]] = {}


# --- scanning ---------------------------------------------------------------------------------

def _python_files(*top_dirs: str) -> list[str]:
    """Project .py files (relative posix paths, sorted), without migrations and caches."""
    starts = [ROOT / d for d in top_dirs] if top_dirs else [ROOT]
    found: list[str] = []
    for start in starts:
        for dirpath, dirnames, filenames in os.walk(start):
            rel_dir = Path(dirpath).relative_to(ROOT)
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and d not in PRUNED_DIRS
                and not (rel_dir == Path(".") and d in NOT_SCANNED_TOP_DIRS)
            )
            found.extend((rel_dir / f).as_posix() for f in filenames if f.endswith(".py"))
    return sorted(found)


@functools.cache
def _tree(rel_path: str) -> ast.Module:
    path = ROOT / rel_path
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(rel_path: str) -> set[str]:
    """Absolute dotted names imported by a file: `import a.b` -> a.b; `from a import b` -> a.b
    (relative imports resolved against the file's package)."""
    parts = list(Path(rel_path).with_suffix("").parts)
    package = parts[:-1]  # for __init__.py the package is the folder itself, same thing
    names: set[str] = set()
    for node in ast.walk(_tree(rel_path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.update(f"{module}.{alias.name}" if alias.name != "*" else module for alias in node.names)
    return names


def _strings(rel_path: str) -> set[str]:
    return {node.value for node in ast.walk(_tree(rel_path))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _keywords(rel_path: str) -> set[str]:
    return {node.arg for node in ast.walk(_tree(rel_path)) if isinstance(node, ast.keyword) and node.arg}


def _under(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def _family_seams(rel_path: str) -> set[str]:
    found = {f"import {name}" for name in _imports(rel_path)
             if any(_under(name, family) for family in FAMILIES)}
    found |= {f'"{value}"' for value in _strings(rel_path)
              if value.startswith(tuple(f"{family}{sep}" for family in FAMILIES for sep in "._"))}
    found |= {f"{arg}=" for arg in _keywords(rel_path) if arg.startswith(tuple(f"{f}_" for f in FAMILIES))}
    return found


def _provider_dirs() -> dict[str, str]:
    """slug -> provider folder, found statically: every package `<app>/providers/<name>/` whose code
    declares a class attribute `slug = "<literal>"`."""
    slugs: dict[str, str] = {}
    for rel_path in _python_files():
        parts = Path(rel_path).parts
        if len(parts) < 4 or parts[1] != "providers" or parts[0] == "integrations_core":
            continue
        folder = "/".join(parts[:3])
        for node in ast.walk(_tree(rel_path)):
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
                        and isinstance(stmt.value.value, str)
                        and any(isinstance(t, ast.Name) and t.id == "slug" for t in stmt.targets)):
                    slugs[stmt.value.value] = folder
    return slugs


def _provider_seams(rel_path: str, providers: dict[str, str]) -> set[str]:
    found: set[str] = set()
    for slug, folder in providers.items():
        if rel_path.startswith(folder + "/"):
            continue
        module = folder.replace("/", ".")
        found |= {f"import {name}" for name in _imports(rel_path) if _under(name, module)}
        found |= {f'"{value}"' for value in _strings(rel_path) if value == slug or _under(value, module)}
    return found


def _assert_matches_known(found: dict[str, set[str]], known: dict[str, set[str]], known_name: str, rule: str) -> None:
    new = {path: names - known.get(path, set()) for path, names in found.items()}
    gone = {path: names - found.get(path, set()) for path, names in known.items()}
    new = {path: names for path, names in new.items() if names}
    gone = {path: names for path, names in gone.items() if names}
    if not new and not gone:
        return
    lines = [f"Architecture ratchet ({rule}), see {PLAN}."]
    if new:
        lines.append("NEW seam(s) - remove them from the code (do not add them to "
                     f"{known_name} in tests/test_architecture.py):")
        lines += [f"  {path}: {name}" for path in sorted(new) for name in sorted(new[path])]
    if gone:
        lines.append(f"Seam(s) now FIXED - well done; delete them from {known_name} in "
                     "tests/test_architecture.py so the list shrinks:")
        lines += [f"  {path}: {name}" for path in sorted(gone) for name in sorted(gone[path])]
    raise AssertionError("\n".join(lines))


# --- tests ------------------------------------------------------------------------------------

def test_no_family_imports_in_core_or_transactions():
    found = {}
    for rel_path in _python_files("integrations_core", "transactions", "reconciliation"):
        if rel_path in NOT_SCANNED_FILES:
            continue
        if seams := _family_seams(rel_path):
            found[rel_path] = seams
    _assert_matches_known(found, KNOWN_FAMILY_SEAMS, "KNOWN_FAMILY_SEAMS",
                          "integrations_core/ and transactions/ must not name a family")


def test_nothing_outside_a_provider_names_it():
    providers = _provider_dirs()
    found = {}
    for rel_path in _python_files():
        if rel_path in NOT_SCANNED_FILES:
            continue
        if seams := _provider_seams(rel_path, providers):
            found[rel_path] = seams
    _assert_matches_known(found, KNOWN_PROVIDER_SEAMS, "KNOWN_PROVIDER_SEAMS",
                          "only <family>/providers/<slug>/ may name its provider")


def test_every_registered_provider_is_scanned():
    """The provider rule finds providers statically; each one in INTEGRATION_PROVIDERS must be
    among them (same slug, class inside that folder), or the rule would silently skip it."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    providers = _provider_dirs()
    assert providers, "no provider folders found under <family>/providers/<slug>/"
    for dotted in settings.INTEGRATION_PROVIDERS:
        if dotted.startswith("tests."):
            continue  # a fake swapped in through the environment
        cls = import_string(dotted)
        folder = providers.get(cls.slug)
        assert folder and _under(cls.__module__, folder.replace("/", ".")), (
            f"{dotted} (slug {cls.slug!r}) is not found by _provider_dirs() in tests/test_architecture.py: "
            "a provider must live in <family>/providers/<slug>/ and declare `slug = \"...\"` as a literal")


def test_scanner_sees_the_project():
    """Guard against the scan silently finding nothing (moved root, changed layout)."""
    core = _python_files("integrations_core", "transactions")
    assert "integrations_core/models.py" in core and "transactions/models.py" in core
    everything = _python_files()
    assert "config/settings.py" in everything
    assert not any(p.split("/")[0] in NOT_SCANNED_TOP_DIRS or "/migrations/" in p for p in everything)
