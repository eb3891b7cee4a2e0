"""siamese_plugin: the BUILD rules of one plugin folder.

    load("//plugins:plugin.bzl", "siamese_plugin")
    siamese_plugin(
        name = "triplet",            # the folder's plugin library
        proto = "triplet.proto",     # its parameters (an extension of a *Config)
        srcs = ["triplet_loss.cc"],
        test_srcs = ["triplet_loss_test.cc"],
    )

Defines :<name>_cc_proto, :<name> (alwayslink, so the registration in srcs
survives linking) and :<name>_test. Add the library to //plugins:all_plugins
to link it into the binaries.
"""

load("//framework/proto:proto.bzl", "cc_proto")

PLUGIN_DEPS = [
    "//framework/autograd",
    "//framework/core:interfaces",
    "//framework/core:registry",
    "//framework/tensor",
    "//framework/tensor:rng",
    "@system//:absl",
]

def siamese_plugin(name, proto, srcs, hdrs = [], deps = [], test_srcs = [], test_deps = [], test_data = []):
    cc_proto(
        name = name + "_cc_proto",
        srcs = [proto],
        proto_deps = ["//framework/proto:experiment.proto"],
        deps = ["//framework/proto:experiment_cc_proto"],
        visibility = ["//visibility:public"],
    )
    # The scaffold's test compares its output with the files of the examples
    # it wrote (plugins/testing/scaffold/).
    native.exports_files(
        ["BUILD", proto] + srcs + test_srcs,
        visibility = ["//tools/new_plugin:__pkg__"],
    )

    # The comments of the proto, registered for `train --list_plugins`.
    native.genrule(
        name = name + "_docs_cc",
        srcs = [proto],
        outs = [name + "_docs.cc"],
        cmd = "python3 $(location //tools/proto_docs:extract_comments.py) $@ $(SRCS)",
        tools = ["//tools/proto_docs:extract_comments.py"],
    )
    native.cc_library(
        name = name,
        srcs = srcs + [name + "_docs.cc"],
        hdrs = hdrs,
        deps = PLUGIN_DEPS + [":" + name + "_cc_proto"] + deps,
        alwayslink = 1,
        visibility = ["//visibility:public"],
    )
    # Losses and miners receive a Distance (Distance::Euclidean() by
    # default): their tests link the distance plugins.
    distances = [] if native.package_name().startswith("plugins/distances") else ["//plugins/distances"]
    if test_srcs:
        native.cc_test(
            name = name + "_test",
            srcs = test_srcs,
            data = test_data,
            deps = [
                ":" + name,
                "//framework/autograd:gradient_check",
                "//framework/proto:experiment_cc_proto",
                "@system//:gtest_main",
            ] + PLUGIN_DEPS + distances + test_deps,
        )
