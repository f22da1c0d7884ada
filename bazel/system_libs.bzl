"""Wraps Debian's installed libraries as Bazel targets, offline.

Each target in @system is a cc_library carrying the defines and link options
that `pkg-config` reports for the library; headers come from /usr/include,
which the compiler already searches. `scripts/setup.sh` installs the packages.
"""

# Bazel target name -> pkg-config modules.
_PKG_CONFIG_LIBS = {
    "absl": [
        "absl_base",
        "absl_flags",
        "absl_flags_parse",
        "absl_hash",
        "absl_raw_hash_set",
        "absl_random_random",
        "absl_status",
        "absl_statusor",
        "absl_str_format",
        "absl_strings",
        "absl_synchronization",
        "absl_time",
    ],
    "crypto": ["libcrypto"],
    "protobuf": ["protobuf"],
    # grpc++.pc does not pull in -lprotobuf (BUILD-NOTES pitfall 4).
    "grpc++": ["grpc++", "protobuf"],
    "rocksdb": ["rocksdb"],
    "gtest": ["gtest", "gmock"],
    "gtest_main": ["gmock_main", "gtest", "gmock"],
    "benchmark": ["benchmark"],
    "httplib": ["cpp-httplib"],
    # Ed25519 (issue 13): keys, signing and verification.
    "sodium": ["libsodium"],
    # Only bench/http_candidates (issue 12's comparison of HTTP servers);
    # scripts/setup.sh installs them too, since `bazel test //...` builds it.
    "libmicrohttpd": ["libmicrohttpd"],
    "libevent": ["libevent"],
    # Only bench/ed25519_libraries (a manual target): issue 13's comparison.
    "wolfssl": ["wolfssl"],
}

# Targets above that only a benchmark needs: when pkg-config cannot find
# them the target is still defined, and building anything that depends on
# it fails with the package to install.
_BENCH_ONLY_LIBS = {
    "libmicrohttpd": "libmicrohttpd-dev",
    "libevent": "libevent-dev",
    "wolfssl": "libwolfssl-dev",
}

# BoringSSL from android-libboringssl-dev: headers under a private folder and
# a libcrypto.so without a .pc. Linked by full path plus rpath, because a -L to
# its folder would silently turn every -lcrypto into BoringSSL.
_BORINGSSL_INCLUDE = "/usr/include/android"
_BORINGSSL_LIB = "/usr/lib/x86_64-linux-gnu/android/libcrypto.so"

def _pkg_config(ctx, flag, modules):
    result = ctx.execute(["pkg-config", flag] + modules)
    if result.return_code != 0:
        fail("pkg-config %s %s failed (run scripts/setup.sh): %s" %
             (flag, " ".join(modules), result.stderr))
    return [f for f in result.stdout.strip().split(" ") if f]

def _cc_library(name, defines = [], copts = [], linkopts = [], extra = ""):
    return """
cc_library(
    name = "{name}",
    defines = {defines},
    copts = {copts},
    linkopts = {linkopts},{extra}
)
""".format(name = name, defines = repr(defines), copts = repr(copts),
           linkopts = repr(linkopts), extra = extra)

def _missing_library(name, package):
    return """
genrule(
    name = "{name}_missing",
    outs = ["{name}_missing.h"],
    cmd = "echo '@system//:{name}: {package} is not installed (run scripts/setup_bench.sh)' >&2; exit 1",
)

cc_library(
    name = "{name}",
    hdrs = [":{name}_missing.h"],
)
""".format(name = name, package = package)

def _system_libs_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])\n']
    for name, modules in _PKG_CONFIG_LIBS.items():
        if name in _BENCH_ONLY_LIBS and ctx.execute(["pkg-config", "--exists"] + modules).return_code != 0:
            build.append(_missing_library(name, _BENCH_ONLY_LIBS[name]))
            continue
        defines = []
        copts = []
        for flag in _pkg_config(ctx, "--cflags", modules):
            if flag.startswith("-D"):
                defines.append(flag[2:])
            elif not flag.startswith("-I/usr/include"):
                copts.append(flag)
        linkopts = _pkg_config(ctx, "--libs", modules)
        if name == "benchmark":
            linkopts.append("-lpthread")
        build.append(_cc_library(name, defines, copts, linkopts))

    # There is no benchmark_main.pc (BUILD-NOTES pitfall 5).
    build.append(_cc_library(
        "benchmark_main",
        linkopts = ["-lbenchmark_main", "-lbenchmark", "-lpthread"],
    ))

    # Header-only; used by tests to read ../shared/vectors.
    build.append(_cc_library("nlohmann_json"))

    # Boost.Beast and Asio (libboost1.74-dev), header-only: the HTTP front.
    # Boost.System is header-only since 1.69.
    build.append(_cc_library(
        "boost_beast",
        defines = ["BOOST_BEAST_USE_STD_STRING_VIEW", "BOOST_ASIO_NO_DEPRECATED"],
        linkopts = ["-lpthread"],
    ))

    # BoringSSL headers are linked into the repository so that `includes`
    # (which must be relative) can put them ahead of OpenSSL's.
    ctx.symlink(_BORINGSSL_INCLUDE + "/openssl", "boringssl/include/openssl")
    build.append(_cc_library(
        "boringssl_crypto",
        linkopts = [_BORINGSSL_LIB, "-Wl,-rpath," + _BORINGSSL_LIB.rpartition("/")[0]],
        extra = """
    hdrs = glob(["boringssl/include/openssl/**"], allow_empty = True),
    includes = ["boringssl/include"],""",
    ))
    ctx.file("BUILD.bazel", "".join(build))
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    environ = ["PKG_CONFIG_PATH"],
)
