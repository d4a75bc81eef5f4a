#!/usr/bin/env bash
# Print the absolute path of the Python interpreter the project's venvs are built with.
#   1. $PYTHON, if set (must be >= 3.11)
#   2. python3.13 on PATH (a pyenv shim that cannot run 3.13 is skipped)
#   3. ${PYENV_ROOT:-~/.pyenv}/versions/3.13*/bin/python (highest patch release)
#   4. python3 >= 3.11, with a warning (Lambda runs python3.13; `sam build` will then fail)
set -euo pipefail

# Prints the real interpreter path (resolves pyenv shims) when $1 runs and satisfies the version test $2.
probe() {
    "$1" -c "import sys; assert $2, sys.version; print(sys.executable)" 2>/dev/null
}
is313='sys.version_info[:2] == (3, 13)'
ge311='sys.version_info[:2] >= (3, 11)'

if [[ -n "${PYTHON:-}" ]]; then
    probe "$PYTHON" "$ge311" && exit 0
    echo "find-python: PYTHON=$PYTHON is not a runnable Python >= 3.11" >&2
    exit 1
fi

if command -v python3.13 >/dev/null 2>&1; then
    probe python3.13 "$is313" && exit 0
fi

pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if compgen -G "$pyenv_root/versions/3.13*/bin/python" >/dev/null; then
    while IFS= read -r candidate; do
        probe "$candidate" "$is313" && exit 0
    done < <(printf '%s\n' "$pyenv_root"/versions/3.13*/bin/python | sort -V -r)
fi

if command -v python3 >/dev/null 2>&1 && exe="$(probe python3 "$ge311")"; then
    echo "find-python: WARNING: no Python 3.13 found (Lambda runs python3.13); falling back to" \
        "$exe ($("$exe" -V 2>&1)). 'sam build' needs python3.13 and will fail." >&2
    echo "$exe"
    exit 0
fi

echo "find-python: no usable Python found (need 3.13, or at least 3.11)" >&2
exit 1
