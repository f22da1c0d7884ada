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

// From ../shared/vectors/README.md and checkpoints.json ("spec_example").
constexpr char kLogSignerKey[] =
    "PRIVATE+KEY+example.com/vitrine/test+9261aa25+"
    "AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";
constexpr char kLogVerifierKey[] =
    "example.com/vitrine/test+9261aa25+"
    "AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
constexpr char kWitnessName[] = "witness.example.com/vitrine-w1";
constexpr char kWitnessSeedHex[] =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
constexpr char kWitnessVerifierKey[] =
    "witness.example.com/vitrine-w1+6c76e55c+"
    "BCmsuuFBvMrwsi4alNNNC8c2HlJtC/4SyJeUvJMilm3X";
constexpr char kSpecExampleVerifierKey[] =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

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

std::string HexToBytes(absl::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(
        std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
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
    const std::string witness_key =
        OrDie(FormatSignerKey(kWitnessName, SignatureType::kCosignatureV1,
                              HexToBytes(kWitnessSeedHex)));
    k->witness_signer =
        OrDie(NewSigner(witness_key, [] { return kFuzzTimestamp; }));
    return k;
  }();
  return *keys;
}

}  // namespace vitrine::note::internal
