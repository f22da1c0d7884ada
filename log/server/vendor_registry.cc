#include "log/server/vendor_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"

namespace vitrine::server {

absl::StatusOr<VendorRegistry::Both> VendorRegistry::ReadBoth(
    const std::string& path, const std::string& supervisors_path) {
  Both keys;
  VITRINE_ASSIGN_OR_RETURN(keys.vendors, note::ReadVendorKeysFile(path));
  if (supervisors_path.empty() || !PathExists(supervisors_path)) {
    VITRINE_ASSIGN_OR_RETURN(keys.supervisors, note::ParseVendorKeys(""));
  } else {
    VITRINE_ASSIGN_OR_RETURN(keys.supervisors,
                             note::ReadVendorKeysFile(supervisors_path));
  }
  return keys;
}

absl::StatusOr<std::unique_ptr<VendorRegistry>> VendorRegistry::Open(
    std::string path, std::string supervisors_path) {
  VITRINE_ASSIGN_OR_RETURN(Both keys, ReadBoth(path, supervisors_path));
  return std::unique_ptr<VendorRegistry>(new VendorRegistry(
      std::move(path), std::move(supervisors_path), std::move(keys)));
}

absl::Status VendorRegistry::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  absl::StatusOr<Both> keys = ReadBoth(path_, supervisors_path_);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat(keys.status().message(),
                                     "; keeping the previous vendor and "
                                     "supervisor keys"));
  }
  Both old;
  {
    absl::MutexLock lock(&mu_);
    old = std::exchange(keys_, *std::move(keys));
  }
  // `old` is released here, outside the lock; requests still holding it
  // keep it alive until they finish.
  return absl::OkStatus();
}

std::shared_ptr<const VendorKeys> VendorRegistry::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return keys_.vendors;
}

std::shared_ptr<const VendorKeys> VendorRegistry::SupervisorSnapshot() const {
  absl::MutexLock lock(&mu_);
  return keys_.supervisors;
}

}  // namespace vitrine::server
