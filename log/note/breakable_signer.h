// Test support: a signing key in an HSM that fails and comes back.

#ifndef VITRINE_LOG_NOTE_BREAKABLE_SIGNER_H_
#define VITRINE_LOG_NOTE_BREAKABLE_SIGNER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/signer.h"

namespace vitrine::note::testing {

// A signer that fails with Unavailable ("token removed") while broken, as
// log/note/pkcs11's signer does for a token gone, and signs with `inner`
// otherwise. Thread-safe.
class BreakableSigner : public Signer {
 public:
  explicit BreakableSigner(std::unique_ptr<Signer> inner)
      : inner_(std::move(inner)),
        broken_(std::make_shared<std::atomic<bool>>(false)),
        calls_(std::make_shared<std::atomic<int>>(0)) {}
  // Shared with the test after the signer moves into its user.
  std::shared_ptr<std::atomic<bool>> broken() const { return broken_; }
  // How many times Sign was called, broken or not.
  std::shared_ptr<const std::atomic<int>> calls() const { return calls_; }
  std::string Name() const override { return inner_->Name(); }
  uint32_t KeyId() const override { return inner_->KeyId(); }
  SignatureType Type() const override { return inner_->Type(); }
  absl::StatusOr<std::string> Sign(absl::string_view text) const override {
    calls_->fetch_add(1);
    if (broken_->load()) return absl::UnavailableError("token removed");
    return inner_->Sign(text);
  }

 private:
  std::unique_ptr<Signer> inner_;
  std::shared_ptr<std::atomic<bool>> broken_;
  std::shared_ptr<std::atomic<int>> calls_;
};

}  // namespace vitrine::note::testing

#endif  // VITRINE_LOG_NOTE_BREAKABLE_SIGNER_H_
