#include "log/merkle/entry_bundle.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vitrine::merkle {
namespace {

// A bundle sits beside one tile, which holds 1..256 hashes.
constexpr size_t kMaxBundleWidth = 256;
constexpr size_t kLengthPrefixSize = 2;

absl::Status CheckWidth(size_t width) {
  if (width < 1 || width > kMaxBundleWidth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an entry bundle holds 1..", kMaxBundleWidth, " entries, got ", width));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> EncodeEntryBundle(
    absl::Span<const std::string> entries) {
  if (absl::Status s = CheckWidth(entries.size()); !s.ok()) return s;
  size_t total = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].size() > kMaxBundledEntrySize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "entry ", i, " is ", entries[i].size(),
          " bytes; an entry bundle carries at most ", kMaxBundledEntrySize));
    }
    total += kLengthPrefixSize + entries[i].size();
  }
  std::string bundle;
  bundle.reserve(total);
  for (const std::string& entry : entries) {
    bundle.push_back(static_cast<char>(entry.size() >> 8));
    bundle.push_back(static_cast<char>(entry.size() & 0xff));
    bundle.append(entry);
  }
  return bundle;
}

absl::StatusOr<std::vector<std::string>> DecodeEntryBundle(
    absl::string_view bundle, size_t width) {
  if (absl::Status s = CheckWidth(width); !s.ok()) return s;
  std::vector<std::string> entries;
  entries.reserve(width);
  size_t pos = 0;
  while (entries.size() < width) {
    size_t i = entries.size();
    if (pos == bundle.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "entry bundle ends after ", i, " entries; expected ", width));
    }
    if (bundle.size() - pos < kLengthPrefixSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "entry bundle truncated: the length prefix of entry ", i,
          " at byte ", pos, " is cut short"));
    }
    size_t length = (size_t{static_cast<uint8_t>(bundle[pos])} << 8) |
                    static_cast<uint8_t>(bundle[pos + 1]);
    pos += kLengthPrefixSize;
    if (bundle.size() - pos < length) {
      return absl::InvalidArgumentError(absl::StrCat(
          "entry bundle truncated: entry ", i, " declares ", length,
          " bytes but ", bundle.size() - pos, " remain"));
    }
    entries.emplace_back(bundle.substr(pos, length));
    pos += length;
  }
  if (pos != bundle.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry bundle has ", bundle.size() - pos,
                     " trailing bytes after its ", width, " entries"));
  }
  return entries;
}

}  // namespace vitrine::merkle
