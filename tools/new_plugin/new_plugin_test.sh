#!/bin/bash
# The scaffold, for every kind, writes exactly the checked-in examples (which
# build and pass their own tests in //...), whose plugins `train
# --list_plugins` shows once linked, and registers a new plugin where the
# build and the README need it.
set -euo pipefail
runfiles="${TEST_SRCDIR}/siamese"
gen="$runfiles/tools/new_plugin/new_plugin.py"
train="$runfiles/tools/new_plugin/train_with_scaffold_examples"
ws="$TEST_TMPDIR/ws"
fail() { echo "FAIL: $*" >&2; exit 1; }

# kind, the extension number of its example (plugins/testing/scaffold/), the
# section of an experiment that selects it, and its first extension number.
kinds=(
  "loss 900101 loss 1201"
  "miner 900102 miner 1101"
  "sampler 900103 sampler 1401"
  "encoder 900104 encoder 1001"
  "distance 900108 distance 1701"
  "dataset 900105 dataset 1301"
  "optimizer 900106 optimizer 1501"
  "schedule 900107 schedule 1601"
)
declare -A config=([loss]=LossConfig [miner]=MinerConfig [sampler]=SamplerConfig
                   [encoder]=EncoderConfig [dataset]=DatasetConfig
                   [optimizer]=OptimizerConfig [schedule]=ScheduleConfig
                   [distance]=DistanceConfig)
declare -A folder=([loss]=losses [miner]=miners [sampler]=samplers [encoder]=encoders
                   [dataset]=datasets [optimizer]=optimizers [schedule]=schedules
                   [distance]=distances)
# A plugin's params extension is called <name><suffix>; a distance's, like
# the built-in ones', <name>_distance, and empty (a distance takes no
# parameters from the file).
declare -A suffix=([distance]=_distance)
declare -A empty=([distance]=1)

# 1. The generated code is the checked-in examples'.
for entry in "${kinds[@]}"; do
  read -r kind number section first <<< "$entry"
  name=scaffold_${kind}_example
  rm -rf "$ws" && mkdir -p "$ws/plugins"
  python3 "$gen" --kind=$kind --name=$name --workspace="$ws" \
    --folder=testing/scaffold --extension=$number --no_register > /dev/null
  for f in BUILD $name.proto ${name}_$kind.cc ${name}_${kind}_test.cc; do
    diff -u "$runfiles/plugins/testing/scaffold/$name/$f" "$ws/plugins/testing/scaffold/$name/$f" ||
      fail "$kind: $f differs from the checked-in example (regenerate it with" \
           "--kind=$kind --name=$name --folder=testing/scaffold --extension=$number --no_register)"
  done
done

# 2. Linked into train (as all_plugins links a registered plugin), every
# example shows in --list_plugins with its summary and its documented
# parameters (the proto's comments, registered by siamese_plugin).
"$train" --list_plugins > "$TEST_TMPDIR/list.txt" || fail "train --list_plugins failed"
grep -q '^loss "triplet": ' "$TEST_TMPDIR/list.txt" || fail "the built-in plugins are not listed"
for entry in "${kinds[@]}"; do
  read -r kind number section first <<< "$entry"
  name=scaffold_${kind}_example
  extension=$name${suffix[$kind]:-}
  grep -q "^$kind \"$name\": one line on " "$TEST_TMPDIR/list.txt" ||
    fail "$kind \"$name\" is not in train --list_plugins"
  if [[ -n "${empty[$kind]:-}" ]]; then
    parameters="^    parameters: none (\[siamese.$extension\] is empty)"
  else
    parameters="^    parameters: \[siamese.$extension\] { ... }"
  fi
  grep -q "$parameters" "$TEST_TMPDIR/list.txt" ||
    fail "$kind \"$name\": no parameters line in train --list_plugins"
done
# One parameter with its default and the comment above it in the proto.
grep -A1 '^      hidden_units (int32) = 32$' "$TEST_TMPDIR/list.txt" |
  grep -q 'Width of the hidden layer' || fail "the encoder's parameter is listed without its doc"

# 3. A registered plugin of every kind: its folder, the next free extension
# number, its line in all_plugins (sorted; a distance's in
# //plugins/distances too), its README row in its kind's table and an
# example config that selects it.
sorted_in() {  # BUILD file, cc_library: its deps are sorted
  python3 - "$1" "$2" <<'PY'
import re, sys
m = re.search(r'name = "%s",\s*deps = \[\n(.*?)\n\s*\],' % sys.argv[2], open(sys.argv[1]).read(),
              re.S)
entries = [l.strip() for l in m.group(1).split("\n") if l.strip()]
sys.exit(0 if entries == sorted(entries) else 1)
PY
}
for entry in "${kinds[@]}"; do
  read -r kind number section first <<< "$entry"
  rm -rf "$ws" && mkdir -p "$ws/plugins/${folder[$kind]}/taken" "$ws/plugins/distances"
  cp "$runfiles/plugins/BUILD" "$ws/plugins/BUILD"
  cp "$runfiles/plugins/distances/BUILD" "$ws/plugins/distances/BUILD"
  cp "$runfiles/README.md" "$ws/README.md"
  printf 'extend %s {\n  optional X taken = %s;\n}\n' "${config[$kind]}" "$first" \
    > "$ws/plugins/${folder[$kind]}/taken/taken.proto"
  name=my_$kind
  python3 "$gen" --kind=$kind --name=$name --workspace="$ws" > "$TEST_TMPDIR/out.txt"
  dir="$ws/plugins/${folder[$kind]}/$name"
  for f in BUILD $name.proto ${name}_$kind.cc ${name}_${kind}_test.cc; do
    [[ -f "$dir/$f" ]] || fail "$kind: no $f"
  done
  grep -q "optional \w* $name${suffix[$kind]:-} = $((first + 1));" "$dir/$name.proto" ||
    fail "$kind: the extension number is not the next free one ($((first + 1)))"
  lists=("$ws/plugins/BUILD all_plugins")
  [[ $kind == distance ]] && lists+=("$ws/plugins/distances/BUILD distances")
  for list in "${lists[@]}"; do
    read -r build library <<< "$list"
    grep -q "\"//plugins/${folder[$kind]}/$name\"," "$build" ||
      fail "$kind: not added to $library"
    sorted_in "$build" "$library" || fail "$kind: $library is no longer sorted"
  done
  if [[ $kind != distance ]]; then
    cmp -s "$runfiles/plugins/distances/BUILD" "$ws/plugins/distances/BUILD" ||
      fail "$kind: added to //plugins/distances"
  fi
  # The row is in the Plugins section, in the kind's table (a table of its
  # own, or one shared by several kinds after the kind's other rows).
  python3 - "$ws/README.md" "$name" "$kind" <<'PY' || fail "$kind: no README row in its table"
import sys
path, name, kind = sys.argv[1:]
text = open(path).read()
section = text[text.index("\n## Plugins\n"):]
section = section[:section.index("\n## ", 1)]
lines = section.split("\n")
row = next(i for i, l in enumerate(lines) if l.startswith(f"| `{name}` |"))
cells = lambda l: [c.strip() for c in l.split("|")]
header = row
while lines[header - 1].startswith("|"):
    header -= 1
if cells(lines[header])[1] == "plugin":
    assert cells(lines[row])[2] == kind
    assert cells(lines[row - 1])[2] == kind, "not after the kind's other rows"
else:
    assert cells(lines[header])[1] == kind, "in the table of " + cells(lines[header])[1]
PY
  example="$ws/experiments/configs/${name}_example.pbtxt"
  [[ -f "$example" ]] || fail "$kind: no example config"
  # `section { name: "<name>" ...` or, for a distance, `distance: "<name>"`.
  python3 - "$example" "$section" "$name" <<'PY' || fail "$kind: the example config lacks it"
import re, sys
path, section, name = sys.argv[1:]
text = open(path).read()
sys.exit(0 if re.search(r"\b%s\s*(\{\s*name|)\s*:\s*\"%s\"" % (section, name), text) and
         len(re.findall(r"^distance:", text, re.M)) == 1 else 1)
PY
done

# 4. Mistakes are refused with a message.
if python3 "$gen" --kind=loss --name=my_schedule --workspace="$ws" 2> "$TEST_TMPDIR/err.txt"; then
  fail "an extension name of another kind was taken twice"
fi
grep -q "ScheduleConfig is called my_schedule already" "$TEST_TMPDIR/err.txt" ||
  fail "no message for a taken extension name"
# A distance's extension is <name>_distance: a name whose extension is taken
# (here by a built-in's) is refused.
mkdir -p "$ws/plugins/distances/other"
printf 'extend DistanceConfig {\n  optional X snr_distance = 1705;\n}\n' \
  > "$ws/plugins/distances/other/other.proto"
if python3 "$gen" --kind=distance --name=snr --workspace="$ws" 2> "$TEST_TMPDIR/err.txt"; then
  fail "a distance's extension name was taken twice"
fi
grep -q "DistanceConfig is called snr_distance already" "$TEST_TMPDIR/err.txt" ||
  fail "no message for a distance's taken extension name"
if python3 "$gen" --kind=schedule --name=my_schedule --workspace="$ws" \
    2> "$TEST_TMPDIR/err.txt"; then
  fail "an existing plugin was overwritten"
fi
grep -q "exists already" "$TEST_TMPDIR/err.txt" || fail "no message for an existing folder"
if python3 "$gen" --kind=loss --name=MyLoss --workspace="$ws" 2> "$TEST_TMPDIR/err.txt"; then
  fail "a bad name was accepted"
fi
grep -q "lower_snake_case" "$TEST_TMPDIR/err.txt" || fail "no message for a bad name"
echo PASS
