#include "bench/internal/presigned.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/statement.h"

namespace vitrine::bench {
namespace {

// Writes secret signer keys, one per line, to a new file of mode 0600.
absl::Status WriteSignerKeys(const std::string& path, const std::vector<std::string>& keys) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path));
  const std::string text = absl::StrCat(absl::StrJoin(keys, "\n"), "\n");
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool closed = close(fd) == 0;
  if (!written || !closed) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Vendors> LoadVendors(const std::string& path, int count) {
  Vendors vendors;
  std::vector<std::string> signer_keys;
  if (!path.empty() && std::filesystem::exists(path)) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      absl::string_view key = absl::StripAsciiWhitespace(line);
      if (!key.empty()) signer_keys.emplace_back(key);
    }
  } else {
    vendors.created = true;
    for (int k = 0; k < count; ++k) {
      VITRINE_ASSIGN_OR_RETURN(
          note::GeneratedKey key,
          note::GenerateKey(absl::StrCat("loadgen.example/vendor-", k),
                            note::SignatureType::kEd25519));
      signer_keys.push_back(key.signer_key);
    }
    if (!path.empty()) VITRINE_RETURN_IF_ERROR(WriteSignerKeys(path, signer_keys));
  }
  if (signer_keys.empty()) return absl::InvalidArgumentError("no vendor keys");
  for (const std::string& key : signer_keys) {
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> signer, note::NewSigner(key));
    VITRINE_ASSIGN_OR_RETURN(std::string verifier_key, note::VerifierKeyOf(key));
    vendors.signers.push_back(std::move(signer));
    vendors.verifier_keys.push_back(std::move(verifier_key));
  }
  return vendors;
}

absl::StatusOr<std::vector<vitrine::v1::AddRequest>> PresignRequests(
    const Vendors& vendors, uint64_t count, int per_request, uint64_t run) {
  return PresignStatements(vendors, count, per_request,
                           [run](const std::string& vendor, uint64_t i) {
                             return note::Statement{
                                 vendor, absl::StrFormat("loadgen-%016x.tar.gz", run),
                                 absl::StrCat("1.0.", i),
                                 merkle::HashLeaf(absl::StrCat(run, "/", i)), std::nullopt};
                           });
}

absl::StatusOr<std::vector<vitrine::v1::AddRequest>> PresignStatements(
    const Vendors& vendors, uint64_t count, int per_request, const StatementMaker& make) {
  std::vector<std::string> statements(count);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<absl::Status> failed(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = t; i < count; i += threads) {
        const note::Signer& signer = *vendors.signers[i % vendors.signers.size()];
        absl::StatusOr<std::string> signed_statement =
            note::SignStatement(make(signer.Name(), i), signer);
        if (!signed_statement.ok()) {
          failed[t] = signed_statement.status();
          return;
        }
        statements[i] = *std::move(signed_statement);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (const absl::Status& status : failed) VITRINE_RETURN_IF_ERROR(status);
  std::vector<vitrine::v1::AddRequest> requests((count + per_request - 1) / per_request);
  for (uint64_t i = 0; i < count; ++i) {
    requests[i / per_request].add_statements(std::move(statements[i]));
  }
  return requests;
}

}  // namespace vitrine::bench
