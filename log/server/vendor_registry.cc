#include "log/server/vendor_registry.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/keys.h"

namespace vitrine::server {
namespace {

}  // namespace

absl::StatusOr<std::shared_ptr<const VendorKeys>> ParseVendorKeys(
    absl::string_view text) {
  auto keys = std::make_shared<VendorKeys>();
  std::set<std::string> vendors;
  // (name, key ID) -> line, to point at the first copy of a duplicate.
  std::map<std::pair<std::string, uint32_t>, int> first_line;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = absl::StrCat("vendor file line ", line_number);

    absl::StatusOr<note::VerifierKey> parsed = note::ParseVerifierKey(line);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", parsed.status().message()));
    }
    if (parsed->type != note::SignatureType::kEd25519) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": key ", parsed->name,
          " is not a type 0x01 (Ed25519 note) key; vendors sign statements "
          "with type 0x01 keys"));
    }
    const auto id = std::make_pair(parsed->name, parsed->key_id);
    const auto [it, inserted] = first_line.emplace(id, line_number);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": duplicate key ", parsed->name, " (key ID ",
          absl::Hex(parsed->key_id, absl::kZeroPad8), "), first on line ",
          it->second));
    }
    absl::StatusOr<std::unique_ptr<note::Verifier>> verifier =
        note::NewVerifier(line);
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", verifier.status().message()));
    }
    absl::Status added = keys->verifiers.Add(std::move(verifier).value());
    if (!added.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", added.message()));
    }
    vendors.insert(parsed->name);
  }
  keys->vendors.assign(vendors.begin(), vendors.end());
  return std::shared_ptr<const VendorKeys>(std::move(keys));
}

namespace {

absl::StatusOr<std::shared_ptr<const VendorKeys>> LoadVendorFile(
    const std::string& path) {
  VITRINE_ASSIGN_OR_RETURN(const std::string text,
                           ReadSmallFile(path, kMaxVendorFileSize));
  absl::StatusOr<std::shared_ptr<const VendorKeys>> keys = ParseVendorKeys(text);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat(path, ": ", keys.status().message()));
  }
  return keys;
}

}  // namespace

absl::StatusOr<std::unique_ptr<VendorRegistry>> VendorRegistry::Open(
    std::string path) {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const VendorKeys> keys,
                           LoadVendorFile(path));
  return std::unique_ptr<VendorRegistry>(
      new VendorRegistry(std::move(path), std::move(keys)));
}

absl::Status VendorRegistry::Reload() {
  absl::MutexLock reload_lock(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const VendorKeys>> keys =
      LoadVendorFile(path_);
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
