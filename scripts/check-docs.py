#!/usr/bin/env python3
"""Checks the manual: every relative link in the Markdown files resolves (the file, and the
heading when it names one), and every `warehouse-sync COMMAND --option` that the pages show in code
exists in the built binary's `--help` and `help COMMAND`.
  scripts/check-docs.py BINARY
Prints each problem with its file and line; exits 1 when there is any."""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "bench/README.md"] + sorted(glob.glob("docs/*.md", root_dir=ROOT))
GLOBAL = {"--project", "--help", "--version", "-h"}


def slug(heading):
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    found, fenced = set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^#{1,6} (.*)", line)):
            found.add(slug(m.group(1)))
    return found


def code_texts(text):
    """(line number, code) for each fenced block line and each inline code span."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            yield number, line
        else:
            for span in re.findall(r"`([^`]+)`", line):
                yield number, span


def main():
    binary = sys.argv[1]
    def run(*args):
        return subprocess.run([binary, *args], capture_output=True, text=True).stdout
    commands = set(re.findall(r"^  ([a-z]+)  ", run("--help"), re.M))
    helps = {name: run("help", name) for name in commands}
    problems = []
    for page in PAGES:
        path = os.path.join(ROOT, page)
        text = open(path, encoding="utf-8").read()
        for number, line in enumerate(text.split("\n"), 1):
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"[a-z]+:", target):
                    continue
                file, _, anchor = target.partition("#")
                resolved = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
                if not os.path.exists(resolved):
                    problems.append(f"{page}:{number}: the link {target} names no file")
                elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                    problems.append(f"{page}:{number}: the link {target} names no heading of {file or page}")
        for number, code in code_texts(text):
            for match in re.finditer(r"(?<![\w/.-])warehouse-sync((?:\s+\S+)*)", code):
                words = re.split(r"\s*(?:\||&&|;|\$\(|\))\s*", match.group(1).strip())[0].split()
                words = [w.strip("[]") for w in words]
                while words and words[0] in GLOBAL:
                    words = words[2:] if words[0] == "--project" else words[1:]
                if not words or not re.fullmatch(r"[a-z]+", words[0]):
                    continue
                command = words[0]
                if command not in commands and command != "help":
                    problems.append(f"{page}:{number}: `warehouse-sync {command}` is no command")
                    continue
                known = helps.get(command, "")
                for word in words[1:]:
                    option = word.split("=")[0].rstrip(",.")
                    if re.fullmatch(r"--[a-z][a-z-]*", option) and option not in GLOBAL and option not in known:
                        problems.append(f"{page}:{number}: `warehouse-sync {command}` has no option {option}")
    for problem in problems:
        print(problem)
    print(f"check-docs: {len(PAGES)} pages, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
