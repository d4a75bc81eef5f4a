#!/usr/bin/env bash
# Usage: scripts/venv.sh VENV_DIR REQUIREMENTS_FILE
# Create (or reuse) VENV_DIR with the interpreter from scripts/find-python.sh, install the pinned
# requirements into it and check their consistency. A venv built by another Python minor version (or
# whose interpreter has gone) is recreated. Everything it prints goes to stderr (pip's output too): on a first
# run `make -s demo ARGS=--json > run.json` must still hold nothing but the runner's JSON.
set -euo pipefail
exec >&2

venv="$1"
requirements="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

python="$("$here/find-python.sh")"
want="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

if [[ -e "$venv" ]]; then
    have="$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none)"
    if [[ "$have" != "$want" ]]; then
        echo "venv: $venv has Python $have, want $want: recreating it"
        rm -rf "$venv"
    fi
fi
if [[ ! -e "$venv" ]]; then
    echo "venv: creating $venv with $python ($("$python" -V 2>&1))"
    "$python" -m venv "$venv"
fi

# This machine's pip.conf lists local file:// mirrors that do not hold every project; pip prints one
# "Location ... is ignored" line per package for them. Drop exactly those lines, keep everything else.
drop_mirror_noise() {
    grep -v -E "^WARNING: Location 'file://[^']*' is ignored: it is neither a file nor a directory\.$" || true
}

echo "venv: installing $requirements into $venv"
PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$venv/bin/python" -m pip install --quiet --progress-bar off -r "$requirements" 2>&1 | drop_mirror_noise
"$venv/bin/python" -m pip check
