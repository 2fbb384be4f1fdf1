"""`make lock`: resolve the generated project's uv.lock for every combination of the options that
change its dependencies, and store them in {{cookiecutter.project_slug}}/.locks/.

Run it after any change to the generated pyproject.toml's dependencies (the template test
tests/test_locks.py fails until then). Each combination is rendered without hooks, seeded with its
stored lock (so versions move only where the change needs it) and locked with `uv lock`;
`--upgrade` resolves the newest versions instead; `--only COMBINATION` re-locks one and keeps the
others. The locks share most packages, so each
package block is stored once in .locks/packages.lock and each combination's file lists the blocks
it uses: the post-generation hook (`assemble_lock`) puts its uv.lock back together, offline.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers import ROOT, combination_id, lock_combinations

LOCKS = ROOT / "{{cookiecutter.project_slug}}" / ".locks"


def load_hook():
    """The post-generation hook as a module (it parses its rendered context only in main())."""
    spec = importlib.util.spec_from_file_location("post_gen", ROOT / "hooks/post_gen_project.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolve(hook, answers: dict[str, object], work: Path, uv: str, upgrade: bool) -> str:
    """Render `answers` (no hooks: nothing pruned, no lock written) and lock it."""
    config = work / "config.yaml"
    config.write_text(f"replay_dir: {work / 'replay'}\ncookiecutters_dir: {work / 'templates'}\n")
    project = Path(
        cookiecutter(
            str(ROOT),
            no_input=True,
            output_dir=str(work / combination_id(answers)),
            extra_context=answers,
            accept_hooks=False,
            config_file=str(config),
        )
    )
    stored = hook.find_manifest(LOCKS, answers) if LOCKS.is_dir() else None
    if stored is not None and not upgrade:
        (project / "uv.lock").write_text(hook.assemble_lock(LOCKS, stored, project.name))
    shutil.rmtree(project / hook.LOCKS, ignore_errors=True)
    command = [uv, "lock", "--quiet", *(["--upgrade"] if upgrade else [])]
    subprocess.run(command, cwd=project, check=True)
    return (project / "uv.lock").read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="the newest versions allowed")
    parser.add_argument(
        "--only",
        action="append",
        metavar="COMBINATION",
        help="lock only this combination (a file name of .locks/ without .lock); keep the others",
    )
    args = parser.parse_args()
    combinations = {combination_id(answers): answers for answers in lock_combinations()}
    unknown = sorted(set(args.only or []) - set(combinations))
    if unknown:
        sys.exit(f"--only {', '.join(unknown)}: not one of {', '.join(combinations)}")
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        sys.exit("uv is needed: run through `make lock`")
    hook = load_hook()
    started = time.monotonic()
    manifests: dict[str, str] = {}
    pool: dict[str, str] = {}
    stored = {}
    if LOCKS.is_dir():
        _, blocks = hook.split_lock((LOCKS / hook.POOL).read_text())
        stored = {hook.block_key(block): block for block in blocks}
    with tempfile.TemporaryDirectory(prefix="template-lock-") as tmp:
        for name, answers in combinations.items():
            if args.only and name not in args.only:
                if not (LOCKS / f"{name}.lock").is_file():
                    sys.exit(f"no stored lock for {name} to keep: run without --only")
                text = (LOCKS / f"{name}.lock").read_text()
                manifests[f"{name}.lock"] = text
                keys = [line.split()[1] for line in text.splitlines() if line.startswith("@ ")]
                pool.update((key, stored[key]) for key in keys)
                continue
            print(f"locking {name}", flush=True)
            lock = resolve(hook, answers, Path(tmp), uv, args.upgrade)
            manifests[f"{name}.lock"], blocks = hook.store_lock(answers, lock)
            pool.update((hook.block_key(block), block) for block in blocks)
    if LOCKS.is_dir():
        shutil.rmtree(LOCKS)
    LOCKS.mkdir()
    for name, text in manifests.items():
        (LOCKS / name).write_text(text, newline="\n")
    header = "# Every package of the stored locks, once; written by `make lock` (scripts/lock.py)."
    blocks = sorted(pool.values(), key=lambda block: (hook.package_name(block), block))
    (LOCKS / hook.POOL).write_text("\n\n".join([header, *blocks]) + "\n", newline="\n")
    size = sum(path.stat().st_size for path in LOCKS.iterdir())
    print(
        f"{len(manifests)} locks, {len(pool)} package blocks, {size / 1e6:.2f} MB in {LOCKS.name}/, "
        f"{time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
