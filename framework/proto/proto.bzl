"""cc_proto: C++ code for .proto files with Debian's protoc (no download)."""

def cc_proto(name, srcs, proto_deps = [], deps = [], visibility = None):
    """Generates <name> (a cc_library) from srcs.

    Args:
      name: the cc_library's name.
      srcs: .proto files of this package.
      proto_deps: filegroups/labels of .proto files srcs import (paths are
        written from the workspace root, e.g. "framework/proto/experiment.proto").
      deps: cc_libraries of the imported protos.
      visibility: as usual.
    """
    hdrs = [s[:-len(".proto")] + ".pb.h" for s in srcs]
    ccs = [s[:-len(".proto")] + ".pb.cc" for s in srcs]
    native.genrule(
        name = name + "_gen",
        srcs = srcs + proto_deps,
        outs = hdrs + ccs,
        cmd = "/usr/bin/protoc -I. --cpp_out=$(GENDIR) " +
              " ".join(["$(location %s)" % s for s in srcs]),
        visibility = ["//visibility:private"],
    )
    native.cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        deps = deps + ["@system//:protobuf"],
        visibility = visibility,
        alwayslink = 1,
    )
