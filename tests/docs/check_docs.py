#!/usr/bin/env python3
"""The docs stand on their own and name only commands that exist.

    check_docs.py SHIPLOG_BINARY SOURCE_DIR

Fails (exit 1, one line per problem) when README.md, docs/, examples/,
systemd/ or web/ui/ -- or the --help of shiplog and any subcommand -- cite
the private product contract (SPEC, SPEC.md, ../shared/), when a code span
or block in README.md or docs/ runs a shiplog subcommand that `shiplog
--help` does not list, names a scripts/ or examples/ path that is not in the
repository, or when a relative Markdown link points at no file.
"""
import pathlib
import re
import subprocess
import sys

binary, source = sys.argv[1], pathlib.Path(sys.argv[2])
problems = []
CITE = re.compile(r"\bSPEC\b|SPEC\.md|\.\./shared/")


def helptext(*args):
    run = subprocess.run([binary, *args, "--help"], capture_output=True, text=True)
    if run.returncode != 0:
        problems.append(f"shiplog {' '.join(args)} --help exited {run.returncode}")
    return run.stdout + run.stderr


def subcommands(text):
    names, inside = [], False
    for line in text.splitlines():
        if line.strip().lower().startswith("subcommands"):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s+([a-z][a-z-]*)\b", line)
            if m:
                names.append(m.group(1))
            elif line.strip():
                inside = False
    return names


top = helptext()
commands = {}
for name in subcommands(top):
    text = helptext(name)
    commands[name] = set(subcommands(text))
    for nested in commands[name]:
        text += helptext(name, nested)
    for line in text.splitlines():
        if CITE.search(line):
            problems.append(f"shiplog {name} --help cites the product contract: {line.strip()}")
for line in top.splitlines():
    if CITE.search(line):
        problems.append(f"shiplog --help cites the product contract: {line.strip()}")
if len(commands) < 5:
    problems.append(f"could not read the subcommands from shiplog --help: {sorted(commands)}")

files = [source / "README.md"]
for folder, pattern in (("docs", "**/*.md"), ("examples", "**/*"), ("systemd", "**/*"), ("web/ui", "*")):
    files += sorted(p for p in (source / folder).glob(pattern) if p.is_file())
for path in files:
    if path.suffix in (".png", ".svg"):
        continue
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if CITE.search(line):
            problems.append(f"{path.relative_to(source)}:{number}: cites the product contract: {line.strip()}")

# Which tokens come right before a shiplog that is being run (not a user
# name, as in `sudo -u shiplog shiplog ...` or `systemctl stop shiplog`).
RUNS_AFTER = {None, "shiplog", "--", "exec", "&&", ";", "|", "(", "then", "do", "sudo", "$"}


def code_of(markdown):
    """Fenced blocks and inline code spans, as (line number, text)."""
    fenced = False
    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            yield number, line
        else:
            for span in re.findall(r"`([^`]+)`", line):
                yield number, span


for path in [source / "README.md"] + sorted((source / "docs").glob("**/*.md")):
    text = path.read_text(encoding="utf-8")
    where = path.relative_to(source)
    for number, code in code_of(text):
        tokens = code.split()
        for i, token in enumerate(tokens):
            is_binary = token == "shiplog" or (token.endswith("/shiplog") and token.startswith(("/", "build/", "$")))
            prev = tokens[i - 1] if i else None
            if not is_binary or (token == "shiplog" and prev not in RUNS_AFTER):
                continue
            if i + 1 >= len(tokens) or not re.fullmatch(r"[a-z][a-z-]*", tokens[i + 1]):
                continue
            command = tokens[i + 1]
            if command == "shiplog":
                continue
            if command not in commands:
                problems.append(f"{where}:{number}: `shiplog {command}` is not a subcommand ({code.strip()})")
                continue
            nested = commands[command]
            if nested and i + 2 < len(tokens) and re.fullmatch(r"[a-z][a-z-]*", tokens[i + 2]):
                if tokens[i + 2] not in nested:
                    problems.append(f"{where}:{number}: `shiplog {command} {tokens[i + 2]}` does not exist")
        for ref in re.findall(r"(?<![\w/.-])((?:scripts|examples)/[\w./-]*[\w])", code):
            if not (source / ref).exists() and "*" not in ref:
                problems.append(f"{where}:{number}: {ref} is not in the repository")
    for number, line in enumerate(text.splitlines(), 1):
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"[a-z]+:", target) or target.startswith("#") or not re.fullmatch(r"[\w./#-]+", target):
                continue
            file = target.split("#", 1)[0]
            if not (path.parent / file).exists():
                problems.append(f"{where}:{number}: link to {target}: no such file")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
