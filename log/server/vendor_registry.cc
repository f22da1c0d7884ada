#include "log/server/vendor_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"

namespace vitrine::server {

namespace {

// Reads an optional keys file: empty or absent means no keys.
absl::StatusOr<std::shared_ptr<const VendorKeys>> ReadOptional(
    const std::string& path) {
  if (path.empty() || !PathExists(path)) return note::ParseVendorKeys("");
  return note::ReadVendorKeysFile(path);
}

}  // namespace

absl::StatusOr<VendorRegistry::Keys> VendorRegistry::ReadAll(
    const Paths& paths) {
  Keys keys;
  VITRINE_ASSIGN_OR_RETURN(keys.vendors, note::ReadVendorKeysFile(paths.vendors));
  VITRINE_ASSIGN_OR_RETURN(keys.supervisors, ReadOptional(paths.supervisors));
  VITRINE_ASSIGN_OR_RETURN(keys.rebuilders, ReadOptional(paths.rebuilders));
  return keys;
}

absl::StatusOr<std::unique_ptr<VendorRegistry>> VendorRegistry::Open(
    std::string path, std::string supervisors_path,
    std::string rebuilders_path) {
  Paths paths{std::move(path), std::move(supervisors_path),
              std::move(rebuilders_path)};
  VITRINE_ASSIGN_OR_RETURN(Keys keys, ReadAll(paths));
  return std::unique_ptr<VendorRegistry>(
      new VendorRegistry(std::move(paths), std::move(keys)));
}

absl::Status VendorRegistry::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  absl::StatusOr<Keys> keys = ReadAll(paths_);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat(keys.status().message(),
                                     "; keeping the previous vendor, "
                                     "supervisor and rebuilder keys"));
  }
  Keys old;
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

std::shared_ptr<const VendorKeys> VendorRegistry::RebuilderSnapshot() const {
  absl::MutexLock lock(&mu_);
  return keys_.rebuilders;
}

}  // namespace vitrine::server
