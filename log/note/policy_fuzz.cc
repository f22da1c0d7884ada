// Fuzzes the policy parser (policy.h): ParsePolicy never crashes; whatever
// it accepts formats to canonical text that parses to an equal policy,
// whose format is a fixed point; the ready-made key sets match the keys.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "log/note/policy.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  auto policy = vitrine::note::ParsePolicy(input);
  if (!policy.ok()) return 0;
  const std::string text = vitrine::note::FormatPolicy(*policy);
  auto again = vitrine::note::ParsePolicy(text);
  Check(again.ok() && *again == *policy);
  Check(vitrine::note::FormatPolicy(*again) == text);
  Check(!policy->log_vkeys().empty() && !policy->vendor_vkeys().empty());
  Check(policy->log_keys().size() == policy->log_vkeys().size());
  Check(policy->witness_keys().size() == policy->witness_vkeys().size());
  Check(policy->vendor_keys().size() == policy->vendor_vkeys().size());
  Check(policy->supervisor_keys().size() == policy->supervisor_vkeys().size());
  Check(policy->witness_quorum() <= policy->witness_vkeys().size());
  Check(policy->supervisor_quorum() <= policy->supervisor_vkeys().size());
  Check(policy->rebuilder_keys().size() == policy->rebuilder_vkeys().size());
  Check(policy->rebuild_quorum() <= policy->rebuilder_vkeys().size());
  return 0;
}
