#!/usr/bin/env python3
"""Runs every command of the README's tour and checks that it prints what the README shows.

Usage: readme_tour_test.py README.md BUILD_DIR

The tour is made of ```console blocks. In them a line starting with "$ " is a command; the
lines under it, up to the next command, are what it prints (stdout and stderr together, as a
terminal shows them). A line "..." stands for any number of lines, and "..." inside a line
for any text within it. Lines starting with the debugger's prompt "(pwdb) " are what is typed
there: they are piped to the command, and the debugger echoes them after its prompt when its
input is not a terminal.

The commands run one after another, as the README has them, in a scratch directory that
looks like the repository's root (examples/ and build/tools/ are links to the real ones), so
the files they write do not land in the source tree.
"""
import os
import re
import subprocess
import sys
import tempfile

PROMPT = "(pwdb) "


def tour_commands(readme):
    """The (command, expected lines) pairs of the README's console blocks, in order."""
    commands = []
    in_block = False
    for line in readme.splitlines():
        if not in_block:
            in_block = line.strip() == "```console"
            continue
        if line.strip() == "```":
            in_block = False
        elif line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    return commands


def without_trailing_blank_lines(lines):
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def pattern(expected):
    """A regex for the expected lines: "..." alone is any lines, "..." in a line any text."""
    parts = []
    for line in expected:
        if line == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("[^\n]*?".join(re.escape(piece) for piece in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def main():
    if len(sys.argv) != 3:
        print("usage: readme_tour_test.py README.md BUILD_DIR", file=sys.stderr)
        return 2
    readme_path, build_dir = sys.argv[1], os.path.abspath(sys.argv[2])
    root = os.path.dirname(os.path.abspath(readme_path))
    with open(readme_path, encoding="utf-8") as f:
        commands = tour_commands(f.read())
    if not commands:
        print(f"{readme_path}: no ```console block with '$ ' commands", file=sys.stderr)
        return 1
    failures = 0
    with tempfile.TemporaryDirectory(prefix="readme-tour.") as work:
        os.symlink(os.path.join(root, "examples"), os.path.join(work, "examples"))
        os.mkdir(os.path.join(work, "build"))
        os.symlink(os.path.join(build_dir, "tools"), os.path.join(work, "build", "tools"))
        env = dict(os.environ)
        env.pop("PWVM_GC_STRESS", None)
        for command, expected in commands:
            expected = without_trailing_blank_lines(expected)
            typed = "".join(line[len(PROMPT):] + "\n" for line in expected if line.startswith(PROMPT))
            run = subprocess.run(["bash", "-c", command], cwd=work, env=env, input=typed.encode(),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
            actual = run.stdout.decode("utf-8", errors="replace").splitlines()
            actual_text = "".join(line + "\n" for line in without_trailing_blank_lines(actual))
            if pattern(expected).fullmatch(actual_text):
                print(f"ok: $ {command}")
                continue
            failures += 1
            print(f"FAILED: $ {command}\n--- the README shows:")
            print("\n".join(expected))
            print(f"--- it printed (exit code {run.returncode}):")
            print(actual_text, end="")
            print("---")
    print(f"{len(commands) - failures} of {len(commands)} tour commands print what the README shows")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
