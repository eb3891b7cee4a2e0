#!/usr/bin/env python3
"""Writes a new plugin's folder, ready to edit:

    bazel run //tools:new_plugin -- --kind=KIND --name=my_plugin

KIND is encoder, distance, loss, miner, sampler, dataset, optimizer or
schedule. plugins/<kinds>/<name>/ gets a BUILD target, a parameters proto
with the next free extension number of its kind, the plugin source (a small
working example to replace with yours), a unit test (hand-computed values, a
gradient check for losses, encoders and distances, a bad parameter named in
the error) and experiments/configs/<name>_example.pbtxt, an experiment that
trains with it. The plugin is added to //plugins:all_plugins (a distance to
//plugins/distances too) and to the README's Plugins tables, so right after
this `bazel test //...` passes and `train --list_plugins` shows it.

--workspace defaults to the folder `bazel run` was started from.
--extension fixes the extension number (tests use it).

A new kind is one entry of KINDS below plus its three templates,
templates/<kind>.proto.tmpl, <kind>.cc.tmpl and <kind>_test.cc.tmpl
(string.Template: ${name}, ${Class}, ${Message}, ${number}, ${path}, ${kind},
${extension}).
"""
import argparse
import collections
import os
import re
import string

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

# The sections of the example experiment (templates/example.pbtxt.tmpl);
# each kind replaces those that select its plugin.
DATA = '''data {
  dataset { name: "fashion_mnist" }
  validation_fraction: 0.1
}
preprocessing { normalize: true }'''
SAMPLER = '''sampler {
  name: "pk"
  [siamese.pk] { k: 32 }
}'''
ENCODER = '''encoder {
  name: "cnn"
  [siamese.cnn] {
    conv { channels: 32 }
    conv { channels: 64 }
    fc: 128
    l2_normalize: true
  }
}
embedding_dim: 64'''
MINER = '''miner {
  name: "all"
  [siamese.all] { output: "pairs" }
}'''
LOSS = '''loss {
  name: "contrastive"
  [siamese.contrastive] { neg_margin: 1.0 }
}'''
OPTIMIZER = '''optimizer {
  name: "adam"
  learning_rate: 0.001
}'''
TRAINING = '''training {
  epochs: 1
  batch_size: 256
  log_every: 50
}'''
FASHION_MNIST = "Fashion-MNIST closed set, one epoch"

Kind = collections.namedtuple("Kind", [
    "folder",     # plugins/<folder>/<name>/
    "config",     # the message its parameters extend
    "numbers",    # its extension numbers, [lo, hi) (plugins/README.md)
    "deps",       # BUILD deps of the library and its test beyond the plugin API
    "table",      # how the header of its table in README.md's Plugins section starts
    "row",        # its row there (string.Template)
    "about",      # what the example experiment is
    "example",    # the example experiment's sections that select it (string.Template)
    # Optional:
    "extension",  # the name of its params extension (string.Template)
    "test_deps",  # BUILD deps of the test, if not `deps` (e.g. testonly helpers)
    "lists",      # (BUILD file, cc_library) lists besides //plugins:all_plugins it joins
    "note",       # what to do next, beyond replacing the example
], defaults=("${name}", None, (), ""))

KINDS = {
    "encoder": Kind(
        "encoders", "EncoderConfig", (1000, 1100), ["//framework/nn:init", "//framework/ops"],
        "| plugin | kind |",
        "| `${name}` | encoder | (what it does) | hidden_units 32, l2_normalize true |",
        FASHION_MNIST,
        {"encoder": 'encoder {\n  name: "${name}"\n  [siamese.${name}] { hidden_units: 128 }\n}\n'
                    'embedding_dim: 64'}),
    "loss": Kind(
        "losses", "LossConfig", (1200, 1300), ["//framework/ops"],
        "| loss | paper |", "| `${name}` | (your paper) | pairs | margin 1 | |",
        FASHION_MNIST,
        {"loss": 'loss { name: "${name}" }'}),
    "miner": Kind(
        "miners", "MinerConfig", (1100, 1200), [],
        "| miner | paper |", "| `${name}` | (your paper) | pairs | margin 1 | |",
        FASHION_MNIST,
        {"miner": 'miner { name: "${name}" }'}),
    "sampler": Kind(
        "samplers", "SamplerConfig", (1400, 1500), [],
        "| plugin | kind |", "| `${name}` | sampler | (what it does) | k 4 |",
        FASHION_MNIST,
        {"sampler": 'sampler {\n  name: "${name}"\n  [siamese.${name}] { k: 32 }\n}'}),
    "dataset": Kind(
        "datasets", "DatasetConfig", (1300, 1400), ["//framework/base:check"],
        "| plugin | kind |",
        "| `${name}` | dataset | (what it does) | 16 train + 8 test classes, 40 per class, "
        "dim 32, 8 informative |",
        "open set (the test classes are new), 4 training\n# classes held out "
        "whole for validation, ten epochs",
        {"data": 'data {\n  dataset { name: "${name}" }\n  validation_class_count: 4\n}\n'
                 'preprocessing { normalize: true }',
         # 12 training classes of 40 examples [1, 32]: 8 classes x 4 per batch.
         "sampler": 'sampler {\n  name: "pk"\n  [siamese.pk] { k: 4 }\n}',
         "encoder": 'encoder {\n  name: "cnn1d"\n  [siamese.cnn1d] {\n'
                    '    conv { channels: 16 kernel: 3 }\n    fc: 64\n'
                    '    global_pool: false\n    l2_normalize: true\n  }\n}\n'
                    'embedding_dim: 16',
         "training": 'training {\n  epochs: 10\n  batch_size: 32\n  log_every: 20\n}'}),
    "optimizer": Kind(
        "optimizers", "OptimizerConfig", (1500, 1600), ["//framework/optim:optimizer"],
        "| plugin | kind |", "| `${name}` | optimizer | (what it does) | weight_decay 0 |",
        FASHION_MNIST,
        {"optimizer": 'optimizer {\n  name: "${name}"\n  learning_rate: 0.05\n}'}),
    "schedule": Kind(
        "schedules", "ScheduleConfig", (1600, 1700),
        ["//framework/base:check", "//framework/optim:schedule"],
        "| plugin | kind |", "| `${name}` | schedule | (what it does) | end_factor 0 |",
        FASHION_MNIST,
        {"schedule": 'schedule { name: "${name}" }'}),
    # Distances take no parameters from the file (DistanceConfig's extension
    # is empty, named <name>_distance like the built-in ones'): an
    # experiment selects one with `distance: "<name>"`. The PML column of
    # its README row stays empty until tests/pml_crosscheck_test.cc has a
    # case for it.
    "distance": Kind(
        "distances", "DistanceConfig", (1700, 1800), ["//framework/ops"],
        "| distance | d(a, b) |", "| `${name}` | (your formula) | (your paper) | -d | |",
        FASHION_MNIST,
        {"distance": 'distance: "${name}"',
         "loss": 'loss {\n  name: "contrastive"\n'
                 '  # Margins are on the distance\'s scale: L1 (the scaffold\'s example)\n'
                 '  # between random unit vectors of width 64 is about 9, Euclidean 1.4.\n'
                 '  [siamese.contrastive] { neg_margin: 6.0 }\n}'},
        extension="${name}_distance",
        test_deps=["//framework/ops", "//plugins/distances/testing:distance_testing"],
        lists=(("plugins/distances/BUILD", "distances"),),
        note=" Once tools/pml_reference/make_references.py has a PML case for it "
             "(tests/pml_crosscheck_test.cc), write yes in its README row's PML column."),
}

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def camel(name):
    return "".join(p.capitalize() for p in name.split("_"))


def extend_blocks(workspace, config=r"\w+"):
    """(config, block text) of every `extend <config> { ... }` under plugins/."""
    for root, _, files in os.walk(os.path.join(workspace, "plugins")):
        for f in sorted(files):
            if f.endswith(".proto"):
                text = open(os.path.join(root, f), encoding="utf-8").read()
                yield from re.findall(r"extend\s+(" + config + r")\s*\{(.*?)\}", text, re.S)


def used_extensions(workspace, config):
    used = set()
    for _, block in extend_blocks(workspace, config):
        used.update(int(n) for n in re.findall(r"=\s*(\d+)\s*;", block))
    return used


def extension_taken(workspace, name):
    """The config whose extension is called `name` (one namespace for all kinds), or None."""
    for config, block in extend_blocks(workspace):
        if re.search(r"\b" + name + r"\s*=", block):
            return config
    return None


def template(file):
    with open(os.path.join(TEMPLATES, file), encoding="utf-8") as f:
        return string.Template(f.read())


def bazel_list(items):
    if len(items) <= 1:
        return "[" + "".join(f'"{i}"' for i in items) + "]"
    return "[\n" + "".join(f'        "{i}",\n' for i in items) + "    ]"


BUILD = '''load("//plugins:plugin.bzl", "siamese_plugin")

siamese_plugin(
    name = "${name}",
    proto = "${name}.proto",
    srcs = ["${name}_${kind}.cc"],
    deps = ${deps},
    test_srcs = ["${name}_${kind}_test.cc"],
    test_deps = ${test_deps},
)
'''


def add_to_list(workspace, build_file, library, entry):
    """Adds `entry` to the deps of cc_library `library` in `build_file`, kept sorted."""
    build_path = os.path.join(workspace, build_file)
    build = open(build_path, encoding="utf-8").read()
    m = re.search(r'(name = "' + library + r'",\s*deps = \[\n)(.*?)(\n\s*\],)', build, re.S)
    if not m:
        raise SystemExit(f"{build_path}: no {library} deps list found")
    entries = [l for l in m.group(2).split("\n") if l.strip()]
    entries.append(f'        "{entry}",')
    entries.sort(key=lambda l: l.strip())
    build = build[:m.start(2)] + "\n".join(entries) + build[m.end(2):]
    with open(build_path, "w", encoding="utf-8") as out:
        out.write(build)


def register(kind, name, workspace, fields):
    """The example experiment, the all_plugins line and the README row."""
    k = KINDS[kind]
    sections = {"data": DATA, "sampler": SAMPLER, "encoder": ENCODER,
                "distance": 'distance: "euclidean"', "miner": MINER, "loss": LOSS,
                "optimizer": OPTIMIZER, "schedule": "", "training": TRAINING}
    for section, text in k.example.items():
        sections[section] = string.Template(text).substitute(fields)
    if sections["schedule"]:
        sections["schedule"] += "\n"
    configs = os.path.join(workspace, "experiments", "configs")
    os.makedirs(configs, exist_ok=True)
    with open(os.path.join(configs, f"{name}_example.pbtxt"), "w", encoding="utf-8") as out:
        out.write(template("example.pbtxt.tmpl").substitute(fields, about=k.about, **sections))
    # //plugins:all_plugins (and the kind's own lists), kept sorted.
    for build_file, library in (("plugins/BUILD", "all_plugins"),) + tuple(k.lists):
        add_to_list(workspace, build_file, library, f"//plugins/{k.folder}/{name}")
    # README.md's Plugins table of the kind (params_conformance_test checks
    # every plugin has a row): after the kind's last row in a table shared
    # by several kinds, else at the end.
    readme_path = os.path.join(workspace, "README.md")
    lines = open(readme_path, encoding="utf-8").read().split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith(k.table)), None)
    if start is None:
        raise SystemExit(f"{readme_path}: no table starting with \"{k.table}\"")
    end = start
    while end + 1 < len(lines) and lines[end + 1].startswith("|"):
        end += 1
    same_kind = [i for i in range(start + 2, end + 1)
                 if [c.strip() for c in lines[i].split("|")][2:3] == [kind]]
    lines.insert((same_kind[-1] if same_kind else end) + 1,
                 string.Template(k.row).substitute(fields))
    with open(readme_path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))


def generate(kind, name, workspace, number=None, folder=None, register_it=True):
    k = KINDS[kind]
    folder = folder or k.folder
    if not NAME.match(name):
        raise SystemExit(f"--name: must be lower_snake_case ([a-z][a-z0-9_]*), got \"{name}\"")
    plugin_dir = os.path.join(workspace, "plugins", folder, name)
    if os.path.exists(plugin_dir):
        raise SystemExit(f"{plugin_dir} exists already; choose another --name")
    extension = string.Template(k.extension).substitute(name=name)
    taken = extension_taken(workspace, extension)
    if taken:
        raise SystemExit(f"an extension of {taken} is called {extension} already (extensions "
                         "of every kind share the package siamese); choose another --name")
    if number is None:
        lo, hi = k.numbers
        used = used_extensions(workspace, k.config)
        free = [n for n in range(lo + 1, hi) if n not in used]
        if not free:
            raise SystemExit(f"no free extension number of {k.config} in [{lo + 1}, {hi})")
        number = free[0]
    fields = {"name": name, "Class": camel(name) + camel(kind), "kind": kind,
              "Message": camel(name) + camel(kind) + "Params", "number": number,
              "path": f"plugins/{folder}/{name}", "extension": extension}
    os.makedirs(plugin_dir)
    files = {
        "BUILD": string.Template(BUILD).substitute(
            fields, deps=bazel_list(k.deps),
            test_deps=bazel_list(k.deps if k.test_deps is None else k.test_deps)),
        f"{name}.proto": template(f"{kind}.proto.tmpl").substitute(fields),
        f"{name}_{kind}.cc": template(f"{kind}.cc.tmpl").substitute(fields),
        f"{name}_{kind}_test.cc": template(f"{kind}_test.cc.tmpl").substitute(fields),
    }
    for f, text in files.items():
        with open(os.path.join(plugin_dir, f), "w", encoding="utf-8") as out:
            out.write(text)
    if register_it:
        register(kind, name, workspace, fields)
    return plugin_dir, number


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", required=True, choices=sorted(KINDS))
    parser.add_argument("--name", required=True)
    parser.add_argument("--workspace",
                        default=os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd()))
    parser.add_argument("--extension", type=int, default=None)
    # For the scaffold's own test: write under plugins/<folder>/ and leave
    # all_plugins, the README and the example config alone.
    parser.add_argument("--folder", default=None)
    parser.add_argument("--no_register", action="store_true")
    args = parser.parse_args()
    plugin_dir, number = generate(args.kind, args.name, args.workspace, args.extension,
                                  args.folder, not args.no_register)
    if args.no_register:
        print(f"wrote {plugin_dir} (extension {number})")
        return
    print(f"wrote {plugin_dir} (extension {number}), "
          f"experiments/configs/{args.name}_example.pbtxt; added to //plugins:all_plugins and "
          f"README.md's Plugins table. Next: replace the example with yours (plugins/README.md "
          f"has the {args.kind}'s contract), then bazel test //...{KINDS[args.kind].note}")


if __name__ == "__main__":
    main()
