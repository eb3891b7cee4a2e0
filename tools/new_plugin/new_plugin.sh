#!/bin/bash
# Runs new_plugin.py from the runfiles (see it for the flags).
here="${BASH_SOURCE[0]}.runfiles/siamese/tools/new_plugin"
[[ -f "$here/new_plugin.py" ]] || here="$(dirname "${BASH_SOURCE[0]}")"
exec python3 "$here/new_plugin.py" "$@"
