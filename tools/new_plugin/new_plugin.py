#!/usr/bin/env python3
"""Writes a new plugin's folder, ready to edit:

    bazel run //tools:new_plugin -- --kind=loss --name=my_loss
    bazel run //tools:new_plugin -- --kind=miner --name=my_miner

plugins/<kind>s/<name>/ gets a BUILD target, a parameters proto with the
next free extension number of its kind, the plugin source (a small working
example to replace with your formula), a unit test (a hand-computed value,
a gradient check for losses, a bad parameter named in the error) and
experiments/configs/<name>_example.pbtxt. The plugin is added to
//plugins:all_plugins and to the README's Plugins table, so right after
this `bazel test //...` passes and `train --list_plugins` shows it.

--workspace defaults to the folder `bazel run` was started from.
--extension fixes the extension number (tests use it).
"""
import argparse
import os
import re
import sys

KINDS = {
    # kind: (folder, config message, extension range, README table header prefix)
    "loss": ("losses", "LossConfig", (1200, 1300), "| loss | paper |"),
    "miner": ("miners", "MinerConfig", (1100, 1200), "| miner | paper |"),
}

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def camel(name):
    return "".join(p.capitalize() for p in name.split("_"))


def used_extensions(workspace, config):
    used = set()
    for root, _, files in os.walk(os.path.join(workspace, "plugins")):
        for f in files:
            if not f.endswith(".proto"):
                continue
            text = open(os.path.join(root, f), encoding="utf-8").read()
            for block in re.findall(r"extend\s+" + config + r"\s*\{(.*?)\}", text, re.S):
                used.update(int(n) for n in re.findall(r"=\s*(\d+)\s*;", block))
    return used


LOSS_PROTO = '''syntax = "proto2";

package siamese;

import "framework/proto/experiment.proto";

// Loss "{name}": describe the formula and cite its paper here; this comment
// is the documentation users read. As the scaffold wrote it, a contrastive-
// style loss on the batch's pairs, with d the experiment's distance:
//   same-class pair:      d
//   different-class pair: max(0, margin - d)
// averaged over all pairs.
message {Message} {{
  // Different-class pairs farther apart than margin cost nothing (> 0).
  optional float margin = 1 [default = 1.0];
}}

extend LossConfig {{
  optional {Message} {name} = {number};
}}
'''

LOSS_CC = '''// Loss "{name}": see {name}.proto for the formula.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "framework/ops/activation.h"
#include "framework/ops/elementwise.h"
#include "framework/ops/reduce.h"
#include "framework/ops/shape_ops.h"
#include "{path}/{name}.pb.h"

namespace siamese {{
namespace {{

class {Class} : public Loss {{
 public:
  explicit {Class}(const {Message}& p) : p_(p) {{}}

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Loss>> Create(const {Message}& p,
                                                      const PluginContext&) {{
    if (!(p.margin() > 0) || !std::isfinite(p.margin())) {{
      return FieldError("margin", absl::StrCat("must be finite and > 0, got ", p.margin()));
    }}
    return std::unique_ptr<Loss>(new {Class}(p));
  }}

  // Pairs; a triplet miner's tuples are converted (framework/core/tuples.h).
  TupleKind input() const override {{ return TupleKind::kPairs; }}

  Variable Compute(const LossInput& in) override {{
    const Pairs& t = in.tuples->pairs();
    if (t.size() == 0) return ZeroLoss(in.distances);
    std::vector<Variable> terms;
    if (!t.pos_a.empty()) terms.push_back(GatherDistances(in.distances, t.pos_a, t.pos_b));
    if (!t.neg_a.empty()) {{
      terms.push_back(Relu(RSubScalar(GatherDistances(in.distances, t.neg_a, t.neg_b),
                                      p_.margin())));
    }}
    return MeanAll(terms.size() == 1 ? terms[0] : Concat(terms, 0));
  }}

 private:
  {Message} p_;
}};

SIAMESE_REGISTER_PLUGIN(Loss, "{name}", siamese::{name}, {Message},
                        "one line on what it does (shown by train --list_plugins)",
                        &{Class}::Create);

}}  // namespace
}}  // namespace siamese
'''

LOSS_TEST = '''#include <cmath>

#include "framework/autograd/gradient_check.h"
#include "framework/core/loss.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {{
namespace {{

absl::StatusOr<std::unique_ptr<Loss>> Make(const std::string& text) {{
  LossConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return Registry<Loss>::Create(c, {{}});
}}

// 1-D embeddings 0, 0.3, 1.0, 0.4 with labels a a b b.
const std::vector<int64_t> kLabels = {{0, 0, 1, 1}};
Tuples SomePairs() {{
  Pairs p;
  p.pos_a = {{0}};
  p.pos_b = {{1}};
  p.neg_a = {{0, 1}};
  p.neg_b = {{2, 3}};
  return p;
}}

TEST({Class}Test, MatchesHandComputation) {{
  auto loss = Make(R"(name: "{name}" [siamese.{name}] {{ margin: 0.5 }})");
  ASSERT_TRUE(loss.ok()) << loss.status();
  // d01 = 0.3; max(0, 0.5 - d02 = 1.0) = 0; max(0, 0.5 - d13 = 0.1) = 0.4.
  Variable e(Tensor::FromVector({{4, 1}}, {{0.0f, 0.3f, 1.0f, 0.4f}}));
  Tuples t = SomePairs();
  const Distance d = Distance::Euclidean();
  EXPECT_NEAR((*loss)->Compute({{e, d.Matrix(e, e), &kLabels, &t, d}}).value().item(),
              (0.3 + 0.0 + 0.4) / 3, 1e-5);
}}

TEST({Class}Test, GradientsMatchFiniteDifferences) {{
  auto loss = Make(R"(name: "{name}")");
  ASSERT_TRUE(loss.ok());
  Tuples t = SomePairs();
  const Distance d = Distance::Euclidean();
  GradCheckOptions options;
  options.eps = 1e-3f;
  EXPECT_TRUE(CheckGradients(
      [&](const std::vector<Variable>& in) {{
        return (*loss)->Compute({{in[0], d.Matrix(in[0], in[0]), &kLabels, &t, d}});
      }},
      {{Variable(RandomTensor({{4, 3}}, 1), true)}}, options));
}}

TEST({Class}Test, BadParameterNamesTheField) {{
  auto loss = Make(R"(name: "{name}" [siamese.{name}] {{ margin: 0 }})");
  ASSERT_FALSE(loss.ok());
  EXPECT_THAT(std::string(loss.status().message()), ::testing::HasSubstr("margin"));
}}

}}  // namespace
}}  // namespace siamese
'''

MINER_PROTO = '''syntax = "proto2";

package siamese;

import "framework/proto/experiment.proto";

// Miner "{name}": describe the rule and cite its paper here; this comment is
// the documentation users read. As the scaffold wrote it: every same-class
// pair, and the different-class pairs closer than margin (the experiment's
// distance).
message {Message} {{
  // Different-class pairs closer than margin are kept (> 0).
  optional float margin = 1 [default = 1.0];
}}

extend MinerConfig {{
  optional {Message} {name} = {number};
}}
'''

MINER_CC = '''// Miner "{name}": see {name}.proto for the rule.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "{path}/{name}.pb.h"

namespace siamese {{
namespace {{

class {Class} : public Miner {{
 public:
  explicit {Class}(const {Message}& p) : p_(p) {{}}

  // Checks every parameter; an error names its field.
  static absl::StatusOr<std::unique_ptr<Miner>> Create(const {Message}& p,
                                                       const PluginContext&) {{
    if (!(p.margin() > 0) || !std::isfinite(p.margin())) {{
      return FieldError("margin", absl::StrCat("must be finite and > 0, got ", p.margin()));
    }}
    return std::unique_ptr<Miner>(new {Class}(p));
  }}

  TupleKind output() const override {{ return TupleKind::kPairs; }}

  Tuples Mine(const MinerInput& in) override {{
    const std::vector<int64_t>& labels = *in.labels;
    const int64_t n = static_cast<int64_t>(labels.size());
    const float* d = in.distances->data();
    Pairs t;
    for (int64_t i = 0; i < n; ++i) {{
      for (int64_t j = i + 1; j < n; ++j) {{
        if (labels[i] == labels[j]) {{
          t.pos_a.push_back(i);
          t.pos_b.push_back(j);
        }} else if (d[i * n + j] < p_.margin()) {{
          t.neg_a.push_back(i);
          t.neg_b.push_back(j);
        }}
      }}
    }}
    return t;
  }}

 private:
  {Message} p_;
}};

SIAMESE_REGISTER_PLUGIN(Miner, "{name}", siamese::{name}, {Message},
                        "one line on what it mines (shown by train --list_plugins)",
                        &{Class}::Create);

}}  // namespace
}}  // namespace siamese
'''

MINER_TEST = '''#include "framework/core/miner.h"
#include "framework/core/registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace siamese {{
namespace {{

absl::StatusOr<std::unique_ptr<Miner>> Make(const std::string& text) {{
  MinerConfig c;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &c)) << text;
  return Registry<Miner>::Create(c, {{}});
}}

TEST({Class}Test, KeepsPositivesAndCloseNegatives) {{
  auto miner = Make(R"(name: "{name}" [siamese.{name}] {{ margin: 0.5 }})");
  ASSERT_TRUE(miner.ok()) << miner.status();
  // Points 0, 0.3 (a) and 0.6, 2.0 (b): distances |x_i - x_j|.
  const std::vector<float> x = {{0.0f, 0.3f, 0.6f, 2.0f}};
  std::vector<float> d(16);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) d[i * 4 + j] = std::fabs(x[i] - x[j]);
  const Tensor distances = Tensor::FromVector({{4, 4}}, d);
  const std::vector<int64_t> labels = {{0, 0, 1, 1}};
  MinerInput in;
  in.distances = &distances;
  in.labels = &labels;
  const Pairs p = (*miner)->Mine(in).pairs();
  // Positives (0, 1), (2, 3); negatives closer than 0.5: only (1, 2) at 0.3.
  EXPECT_EQ(p.pos_a, (std::vector<int64_t>{{0, 2}}));
  EXPECT_EQ(p.pos_b, (std::vector<int64_t>{{1, 3}}));
  EXPECT_EQ(p.neg_a, (std::vector<int64_t>{{1}}));
  EXPECT_EQ(p.neg_b, (std::vector<int64_t>{{2}}));
}}

TEST({Class}Test, BadParameterNamesTheField) {{
  auto miner = Make(R"(name: "{name}" [siamese.{name}] {{ margin: -1 }})");
  ASSERT_FALSE(miner.ok());
  EXPECT_THAT(std::string(miner.status().message()), ::testing::HasSubstr("margin"));
}}

}}  // namespace
}}  // namespace siamese
'''

BUILD = '''load("//plugins:plugin.bzl", "siamese_plugin")

siamese_plugin(
    name = "{name}",
    proto = "{name}.proto",
    srcs = ["{name}_{kind}.cc"],
    deps = {deps},
    test_srcs = ["{name}_{kind}_test.cc"],
    test_deps = {deps},
)
'''

CONFIG = '''# An example experiment with the {kind} "{name}" (written by
# //tools:new_plugin): Fashion-MNIST closed set, one epoch.
#
#   bazel run -c opt //:train -- --config=experiments/configs/{name}_example.pbtxt
name: "{name}_example"
seed: 1
threads: 2
output_dir: "runs"

data {{
  dataset {{ name: "fashion_mnist" }}
  validation_fraction: 0.1
}}
preprocessing {{ normalize: true }}

sampler {{
  name: "pk"
  [siamese.pk] {{ k: 32 }}
}}

encoder {{
  name: "cnn"
  [siamese.cnn] {{
    conv {{ channels: 32 }}
    conv {{ channels: 64 }}
    fc: 128
    l2_normalize: true
  }}
}}
embedding_dim: 64
distance: "euclidean"

{miner_and_loss}

optimizer {{
  name: "adam"
  learning_rate: 0.001
}}
training {{
  epochs: 1
  batch_size: 256
  log_every: 50
}}
'''


def generate(kind, name, workspace, number=None, folder=None, register=True):
    default_folder, config, (lo, hi), table = KINDS[kind]
    folder = folder or default_folder
    if not NAME.match(name):
        raise SystemExit(f"--name: must be lower_snake_case ([a-z][a-z0-9_]*), got \"{name}\"")
    plugin_dir = os.path.join(workspace, "plugins", folder, name)
    if os.path.exists(plugin_dir):
        raise SystemExit(f"{plugin_dir} exists already; choose another --name")
    if number is None:
        used = used_extensions(workspace, config)
        free = [n for n in range(lo + 1, hi) if n not in used]
        if not free:
            raise SystemExit(f"no free extension number of {config} in [{lo + 1}, {hi})")
        number = free[0]
    fields = {"name": name, "Class": camel(name) + camel(kind), "kind": kind,
              "Message": camel(name) + camel(kind) + "Params", "number": number,
              "path": f"plugins/{folder}/{name}"}
    proto, cc, test = {"loss": (LOSS_PROTO, LOSS_CC, LOSS_TEST),
                       "miner": (MINER_PROTO, MINER_CC, MINER_TEST)}[kind]
    deps = '["//framework/ops"]' if kind == "loss" else "[]"
    os.makedirs(plugin_dir)
    files = {
        "BUILD": BUILD.format(deps=deps, **fields),
        f"{name}.proto": proto.format(**fields),
        f"{name}_{kind}.cc": cc.format(**fields),
        f"{name}_{kind}_test.cc": test.format(**fields),
    }
    for f, text in files.items():
        with open(os.path.join(plugin_dir, f), "w", encoding="utf-8") as out:
            out.write(text)
    if not register:
        return plugin_dir, number
    # The example experiment.
    if kind == "loss":
        miner_and_loss = ('miner {\n  name: "all"\n  [siamese.all] { output: "pairs" }\n}\n'
                          f'loss {{ name: "{name}" }}')
    else:
        miner_and_loss = (f'miner {{ name: "{name}" }}\n'
                          'loss {\n  name: "contrastive"\n  [siamese.contrastive] { neg_margin: 1.0 }\n}')
    configs = os.path.join(workspace, "experiments", "configs")
    os.makedirs(configs, exist_ok=True)
    with open(os.path.join(configs, f"{name}_example.pbtxt"), "w", encoding="utf-8") as out:
        out.write(CONFIG.format(miner_and_loss=miner_and_loss, **fields))
    # //plugins:all_plugins, kept sorted.
    build_path = os.path.join(workspace, "plugins", "BUILD")
    build = open(build_path, encoding="utf-8").read()
    m = re.search(r'(name = "all_plugins",\s*deps = \[\n)(.*?)(\n\s*\],)', build, re.S)
    if not m:
        raise SystemExit(f"{build_path}: no all_plugins deps list found")
    entries = [l for l in m.group(2).split("\n") if l.strip()]
    entries.append(f'        "//plugins/{folder}/{name}",')
    entries.sort(key=lambda l: l.strip())
    build = build[:m.start(2)] + "\n".join(entries) + build[m.end(2):]
    with open(build_path, "w", encoding="utf-8") as out:
        out.write(build)
    # The README's Plugins table of the kind (conformance checks every
    # plugin has a row): a row at the end of the table.
    readme_path = os.path.join(workspace, "README.md")
    lines = open(readme_path, encoding="utf-8").read().split("\n")
    start = next((i for i, l in enumerate(lines) if l.startswith(table)), None)
    if start is None:
        raise SystemExit(f"{readme_path}: no table starting with \"{table}\"")
    end = start
    while end + 1 < len(lines) and lines[end + 1].startswith("|"):
        end += 1
    row = (f"| `{name}` | (your paper) | pairs | margin 1 | |" if kind == "loss"
           else f"| `{name}` | (your paper) | pairs | margin 1 | |")
    lines.insert(end + 1, row)
    with open(readme_path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
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
          f"README.md's Plugins table. Next: edit the formula, then bazel test //...")


if __name__ == "__main__":
    main()
