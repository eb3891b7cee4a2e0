"""siamese_fuzzer: a libFuzzer target and the test that replays its corpus.

    siamese_fuzzer(name = "idx", srcs = ["idx_fuzzer.cc"], deps = [...])

defines
  :idx_fuzzer              the fuzz target: with --config=fuzz (clang,
                           libFuzzer; tools/fuzz.sh) a coverage-guided
                           fuzzer, otherwise a replay driver (fuzz_main.cc)
  :idx_corpus_test         replays corpus/idx/ (seeds and every input that
                           once crashed) through the target
"""

def siamese_fuzzer(name, srcs, deps = [], data = []):
    native.cc_binary(
        name = name + "_fuzzer",
        srcs = srcs,
        deps = deps + select({
            ":fuzzing": [],
            "//conditions:default": [":fuzz_main"],
        }),
        linkopts = select({
            ":fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        data = data,
    )
    native.cc_test(
        name = name + "_corpus_test",
        srcs = srcs,
        deps = deps + [":fuzz_main"],
        args = ["tests/fuzz/corpus/" + name],
        data = native.glob(["corpus/" + name + "/**"]) + data,
        size = "small",
    )
