"""Compiles .proto files with Debian's protoc and grpc_cpp_plugin.

    cc_grpc_proto_library(
        name = "log_cc_proto",
        srcs = ["log.proto"],
        deps = [":bundle_cc_proto"],   # other cc_grpc_proto_library targets
    )

No proto_library: it would pull rules_proto, which is downloaded. Imports are
resolved from the workspace root and /usr/include (the well-known types).
"""

def cc_grpc_proto_library(name, srcs, deps = [], grpc = True, **kwargs):
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]

    # Proto sources of the dependencies must be visible to protoc.
    dep_srcs = [dep + "_srcs" for dep in deps]
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + dep_srcs,
        visibility = kwargs.get("visibility"),
    )

    grpc_flags = ""
    if grpc:
        grpc_flags = ("--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin " +
                      "--grpc_out=$(GENDIR) ")
    native.genrule(
        name = name + "_gen",
        srcs = srcs + dep_srcs,
        outs = outs,
        cmd = ("/usr/bin/protoc -I. -I/usr/include --cpp_out=$(GENDIR) " +
               grpc_flags +
               " ".join(["$(location %s)" % s for s in srcs])),
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + (["@system//:grpc++"] if grpc else ["@system//:protobuf"]),
        **kwargs
    )
