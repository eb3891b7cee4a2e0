#!/bin/bash
# The scaffold writes exactly the checked-in examples (which build and pass
# their tests in //...), and registers a new plugin where the build and the
# README need it.
set -euo pipefail
runfiles="${TEST_SRCDIR}/siamese"
gen="$runfiles/tools/new_plugin/new_plugin.py"
ws="$TEST_TMPDIR/ws"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The generated code is the checked-in examples'.
for kind in loss miner; do
  number=$([[ $kind == loss ]] && echo 900101 || echo 900102)
  rm -rf "$ws" && mkdir -p "$ws/plugins"
  python3 "$gen" --kind=$kind --name=scaffold_${kind}_example --workspace="$ws" \
    --folder=testing/scaffold --extension=$number --no_register > /dev/null
  for f in BUILD scaffold_${kind}_example.proto scaffold_${kind}_example_${kind}.cc \
           scaffold_${kind}_example_${kind}_test.cc; do
    diff -u "$runfiles/plugins/testing/scaffold/scaffold_${kind}_example/$f" \
      "$ws/plugins/testing/scaffold/scaffold_${kind}_example/$f" ||
      fail "$kind: $f differs from the checked-in example (regenerate it with --folder=testing/scaffold --extension=$number --no_register)"
  done
done

# 2. A registered plugin: its folder, the next free extension number, its
# line in all_plugins (sorted), its README row and an example config.
rm -rf "$ws" && mkdir -p "$ws/plugins/losses/taken"
cp "$runfiles/plugins/BUILD" "$ws/plugins/BUILD"
cp "$runfiles/README.md" "$ws/README.md"
printf 'extend LossConfig {\n  optional X taken = 1201;\n}\n' > "$ws/plugins/losses/taken/taken.proto"
python3 "$gen" --kind=loss --name=my_loss --workspace="$ws" > "$TEST_TMPDIR/out.txt"
grep -q "optional MyLossLossParams my_loss = 1202;" "$ws/plugins/losses/my_loss/my_loss.proto" ||
  fail "the extension number is not the next free one (1202)"
grep -q '"//plugins/losses/my_loss",' "$ws/plugins/BUILD" || fail "not added to all_plugins"
python3 - "$ws/plugins/BUILD" <<'PY' || fail "all_plugins is no longer sorted"
import re, sys
m = re.search(r'name = "all_plugins",\s*deps = \[\n(.*?)\n\s*\],', open(sys.argv[1]).read(), re.S)
entries = [l.strip() for l in m.group(1).split("\n") if l.strip()]
sys.exit(0 if entries == sorted(entries) else 1)
PY
grep -q '^| `my_loss` |' "$ws/README.md" || fail "no README row"
[[ -f "$ws/experiments/configs/my_loss_example.pbtxt" ]] || fail "no example config"
grep -q 'loss { name: "my_loss" }' "$ws/experiments/configs/my_loss_example.pbtxt" ||
  fail "the example config does not use the loss"

# 3. Mistakes are refused with a message.
if python3 "$gen" --kind=loss --name=my_loss --workspace="$ws" 2> "$TEST_TMPDIR/err.txt"; then
  fail "an existing plugin was overwritten"
fi
grep -q "exists already" "$TEST_TMPDIR/err.txt" || fail "no message for an existing folder"
if python3 "$gen" --kind=loss --name=MyLoss --workspace="$ws" 2> "$TEST_TMPDIR/err.txt"; then
  fail "a bad name was accepted"
fi
grep -q "lower_snake_case" "$TEST_TMPDIR/err.txt" || fail "no message for a bad name"
echo PASS
