"""libFuzzer targets that are also ordinary tests.

    cc_fuzz_test(
        name = "tile_path_fuzz",
        srcs = ["tile_path_fuzz.cc"],     # defines LLVMFuzzerTestOneInput
        corpus = glob(["testdata/tile_path_corpus/*"]),
        deps = [":tile"],
    )

In a normal build the target links a small replay driver and `bazel test`
runs every corpus file through the fuzz function once, so the corpus is a
regression suite on every build. Under --config=fuzz (clang-14) it links
libFuzzer instead; scripts/fuzz.sh then runs each for a bounded time.
"""

def cc_fuzz_test(name, srcs, corpus, deps = [], **kwargs):
    native.filegroup(
        name = name + "_corpus",
        srcs = corpus,
    )
    native.cc_test(
        name = name,
        srcs = srcs,
        deps = deps + select({
            "//bazel:fuzzing": [],
            "//conditions:default": ["//bazel:fuzz_replay_main"],
        }),
        linkopts = select({
            "//bazel:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        data = [":" + name + "_corpus"],
        args = ["$(rootpaths :%s_corpus)" % name],
        tags = kwargs.pop("tags", []) + ["fuzz"],
        **kwargs
    )
