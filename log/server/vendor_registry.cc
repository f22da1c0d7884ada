#include "log/server/vendor_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace vitrine::server {

absl::StatusOr<std::unique_ptr<VendorRegistry>> VendorRegistry::Open(
    std::string path) {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const VendorKeys> keys,
                           note::ReadVendorKeysFile(path));
  return std::unique_ptr<VendorRegistry>(
      new VendorRegistry(std::move(path), std::move(keys)));
}

absl::Status VendorRegistry::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const VendorKeys>> keys =
      note::ReadVendorKeysFile(path_);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat(keys.status().message(),
                                     "; keeping the previous vendor keys"));
  }
  std::shared_ptr<const VendorKeys> old;
  {
    absl::MutexLock lock(&mu_);
    old = std::exchange(keys_, std::move(keys).value());
  }
  // `old` is released here, outside the lock; requests still holding it
  // keep it alive until they finish.
  return absl::OkStatus();
}

std::shared_ptr<const VendorKeys> VendorRegistry::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return keys_;
}

}  // namespace vitrine::server
