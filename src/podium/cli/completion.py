"""`podium completion bash|zsh`: a shell completion script for podium's commands and options."""

from __future__ import annotations

import argparse
import functools

from podium.cli import common

SUMMARY = "Print a shell completion script (bash or zsh)"
DETAILS = """\
Completes command names and each command's options.

example: podium completion bash > ~/.local/share/bash-completion/completions/podium
         eval "$(podium completion zsh)"    # in ~/.zshrc"""


def add(commands: common.Subcommands) -> None:
    """Add `completion` to podium's parser."""
    parser = common.subparser(commands, "completion", SUMMARY, DETAILS)
    parser.add_argument("shell", choices=["bash", "zsh"])
    parser.set_defaults(command=functools.partial(cmd_completion, commands))


def script(commands: common.Subcommands, shell: str) -> str:
    """The completion script of every command in `commands` for `shell`."""
    cases = []
    for name, sub in sorted(commands.choices.items()):
        options = sorted(o for a in sub._actions for o in a.option_strings if o.startswith("--"))
        cases.append(f'    {name}) words="{" ".join(options)}" ;;')
    names = " ".join(sorted(commands.choices))
    prelude = "autoload -U +X bashcompinit && bashcompinit\n" if shell == "zsh" else ""
    body = "\n".join(cases)
    return f"""{prelude}_podium() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" words
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="{names} --help --version"
  else
    case "${{COMP_WORDS[1]}}" in
{body}
    *) words="" ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _podium podium
"""


def cmd_completion(commands: common.Subcommands, args: argparse.Namespace) -> int:
    """Print the script for args.shell."""
    print(script(commands, args.shell), end="")
    return common.EXIT_OK
