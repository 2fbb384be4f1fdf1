"""Validate every answer before anything is generated.

On a bad answer: print which field is wrong and the rule it breaks, exit non-zero.
Cookiecutter then deletes the half-made output folder. Standard library only.
"""

import json
import keyword
import re
import sys

CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# PEP 440 public versions, the forms a new project starts with: 1.0, 0.1.0, 1.0.0a1, 2.0.0rc1, 1.0.post1, 1.0.dev1
VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
CHOICES = {
    "python_version": ("3.11", "3.12", "3.13"),
    "database": ("sqlite", "postgresql"),
    "open_source_license": ("MIT", "BSD-3-Clause", "Apache-2.0", "Proprietary"),
    "broker": ("none", "redis"),
}
BOOLEANS = ("use_docker", "use_github_actions", "ml_serving", "use_kubernetes", "use_admin")
MIN_COOKIECUTTER = (2, 7, 1)
# These land inside Python and TOML string literals.
FREE_TEXT = ("project_name", "description", "author_name")


def errors(ctx: dict) -> list[str]:
    """Return one message per invalid answer, each naming the field and its rule."""
    found = []
    if not re.search(r"[A-Za-z0-9]", str(ctx["project_name"])):
        found.append("project_name: must not be empty; it needs at least one letter or digit")
    for field in FREE_TEXT:
        if any(char in str(ctx[field]) for char in '"\\\n'):
            found.append(
                f"{field} {ctx[field]!r}: must not contain a double quote, backslash or newline"
            )
    slug = ctx["project_slug"]
    if not SLUG.match(slug):
        found.append(
            f"project_slug {slug!r}: must start with a lower-case letter and contain only "
            "lower-case letters, digits and single dashes between them (like 'my-service')"
        )
    package = ctx["package_name"]
    if not package.isidentifier() or not package.isascii():
        found.append(
            f"package_name {package!r}: must be a valid Python identifier (letters, digits, underscores)"
        )
    elif keyword.iskeyword(package):
        found.append(f"package_name {package!r}: must not be a Python keyword")
    elif package != package.lower():
        found.append(f"package_name {package!r}: must be lower-case (PEP 8)")
    if not EMAIL.match(ctx["author_email"]):
        found.append(
            f"author_email {ctx['author_email']!r}: must be an email address like 'jane@example.com'"
        )
    if not VERSION.match(ctx["version"]):
        found.append(f"version {ctx['version']!r}: must be a PEP 440 version like '0.1.0'")
    for field, allowed in CHOICES.items():
        if ctx[field] not in allowed:
            found.append(f"{field} {ctx[field]!r}: must be one of {', '.join(allowed)}")
    for field in BOOLEANS:
        if not isinstance(ctx[field], bool):
            found.append(f"{field} {ctx[field]!r}: must be a yes/no answer")
    return found


def cookiecutter_too_old() -> str | None:
    """Booleans given on the command line are real booleans only from cookiecutter 2.7."""
    try:
        from cookiecutter import __version__  # the hook runs with cookiecutter's Python
    except ImportError:
        return None
    numbers = tuple(int(part) for part in re.findall(r"\d+", __version__)[:3])
    if numbers < MIN_COOKIECUTTER:
        return f"cookiecutter {__version__} is too old: upgrade to 2.7.1 or newer (pip install -U cookiecutter)"
    return None


def main() -> int:
    too_old = cookiecutter_too_old()
    problems = [too_old] if too_old else errors(CONTEXT)
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    if problems:
        print(
            "Nothing was generated. Fix the answers above and run cookiecutter again.",
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
