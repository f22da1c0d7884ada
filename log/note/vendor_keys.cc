#include "log/note/vendor_keys.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/keys.h"

namespace vitrine::note {

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

    absl::StatusOr<VerifierKey> parsed = ParseVerifierKey(line);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", parsed.status().message()));
    }
    if (parsed->type != SignatureType::kEd25519) {
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
    absl::StatusOr<std::unique_ptr<Verifier>> verifier =
        NewVerifier(line);
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

absl::StatusOr<std::shared_ptr<const VendorKeys>> ReadVendorKeysFile(
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

}  // namespace vitrine::note
