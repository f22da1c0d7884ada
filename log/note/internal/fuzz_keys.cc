#include "log/note/internal/fuzz_keys.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/keys.h"

namespace vitrine::note::internal {
namespace {

// kLogSignerKey, kLogVerifierKey, kWitnessSignerKey, kWitnessVerifierKey and
// kSpecExampleVerifierKey: the files of testdata/key_corpus of those names
// (BUILD.bazel, fuzz_key_seeds).
#include "log/note/internal/fuzz_key_seeds.inc"

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "fuzz keys: %s\n", value.status().ToString().c_str());
    std::abort();
  }
  return std::move(value).value();
}

void AddOrDie(VerifierSet& set, absl::string_view vkey) {
  absl::Status status = set.Add(OrDie(NewVerifier(vkey)));
  if (!status.ok()) {
    std::fprintf(stderr, "fuzz keys: %s\n", status.ToString().c_str());
    std::abort();
  }
}

}  // namespace

const FuzzKeySets& FuzzKeys() {
  static const FuzzKeySets* keys = [] {
    auto* k = new FuzzKeySets;
    AddOrDie(k->log, kLogVerifierKey);
    AddOrDie(k->witnesses, kWitnessVerifierKey);
    AddOrDie(k->all, kLogVerifierKey);
    AddOrDie(k->all, kWitnessVerifierKey);
    AddOrDie(k->all, kSpecExampleVerifierKey);
    k->log_signer = OrDie(NewSigner(kLogSignerKey));
    k->origin = k->log_signer->Name();
    k->witness_signer =
        OrDie(NewSigner(kWitnessSignerKey, [] { return kFuzzTimestamp; }));
    return k;
  }();
  return *keys;
}

}  // namespace vitrine::note::internal
