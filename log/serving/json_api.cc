#include "log/serving/json_api.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/json_string.h"
#include "log/note/entry_digests.h"
#include "log/note/statement.h"
#include "log/serving/bundles.h"
#include "log/serving/internal/api_params.h"
#include "log/serving/internal/json_entry.h"
#include "log/serving/internal/tiles_handler.h"
#include "log/serving/proofs.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::serving {
namespace {

using internal::QueryParams;

constexpr absl::string_view kJsonContentType = "application/json; charset=utf-8";
constexpr absl::string_view kPrefix = "/api/v1/";

HttpReply JsonReply(std::string body, absl::string_view caching) {
  HttpReply reply;
  reply.content_type = std::string(kJsonContentType);
  reply.cache_control = std::string(caching);
  reply.body = std::move(body);
  reply.body += "\n";
  reply.etag = StrongEtag(reply.body);
  return reply;
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kUnimplemented: return 405;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

// An error answer: never cached (a 404 beyond the tree is a 200 once it
// grows), no ETag.
HttpReply ErrorReply(const absl::Status& status) {
  HttpReply reply;
  reply.status = HttpStatusOf(status.code());
  reply.content_type = std::string(kJsonContentType);
  reply.cache_control = std::string(internal::kNoStore);
  reply.body = absl::StrCat("{\"code\":\"", absl::StatusCodeToString(status.code()),
                            "\",\"error\":", JsonString(status.message()), "}\n");
  return reply;
}

// Storage failed under something the snapshot has. The details (paths,
// keys) are for the operator's log; the client gets the code.
HttpReply StorageError(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "vitrine http: api: %.*s: %s\n",
               static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  const absl::StatusCode code = status.code() == absl::StatusCode::kUnavailable
                                    ? absl::StatusCode::kUnavailable
                                    : status.code() == absl::StatusCode::kDataLoss
                                          ? absl::StatusCode::kDataLoss
                                          : absl::StatusCode::kInternal;
  return ErrorReply(absl::Status(code, absl::StrCat("storage error ", what)));
}

HttpReply Beyond(absl::string_view what, uint64_t value, uint64_t size) {
  return ErrorReply(absl::NotFoundError(absl::StrCat(
      what, " ", value, " is beyond the served tree of size ", size)));
}

// The entry objects of `indexes`, read from the store, as a JSON array.
absl::StatusOr<std::string> EntriesJson(const storage::Store& store,
                                        const std::vector<uint64_t>& indexes) {
  std::string out = "[";
  for (size_t i = 0; i < indexes.size(); ++i) {
    absl::StatusOr<std::string> leaf = store.GetEntry(indexes[i]);
    if (!leaf.ok()) return leaf.status();
    absl::StrAppend(&out, i == 0 ? "" : ",",
                    internal::EntryJson(indexes[i], *leaf));
  }
  return out + "]";
}

}  // namespace

JsonApi::JsonApi(const storage::Store* store, std::string log_vkey,
                 JsonApiOptions options)
    : store_(store),
      log_vkey_(std::move(log_vkey)),
      short_caching_(absl::StrCat(
          "public, max-age=",
          std::max<int64_t>(0, absl::ToInt64Seconds(options.short_max_age)))) {}

bool JsonApi::Serves(absl::string_view path) {
  return absl::StartsWith(path, "/api/");
}

HttpReply JsonApi::Reply(const HttpRequest& request, absl::string_view path,
                         const JsonApiSnapshot* snapshot) const {
  enum class Endpoint { kLog, kEntry, kProof, kLookup, kVendor };
  absl::string_view rest = path;
  std::optional<Endpoint> endpoint;
  if (absl::ConsumePrefix(&rest, kPrefix)) {
    if (rest == "log") {
      endpoint = Endpoint::kLog;
    } else if (rest == "proof") {
      endpoint = Endpoint::kProof;
    } else if (rest == "lookup") {
      endpoint = Endpoint::kLookup;
    } else if (absl::ConsumePrefix(&rest, "entries/")) {
      endpoint = Endpoint::kEntry;
    } else if (absl::ConsumePrefix(&rest, "vendors/") &&
               absl::ConsumeSuffix(&rest, "/releases") && !rest.empty()) {
      endpoint = Endpoint::kVendor;
    }
  }
  if (!endpoint.has_value()) {
    return ErrorReply(absl::NotFoundError(
        "no such API endpoint (api/v1/log, entries/<index>, proof, lookup, "
        "vendors/<name>/releases)"));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return ErrorReply(absl::UnimplementedError(absl::StrCat(
        "method ", internal::QuoteInput(request.method),
        " is not allowed: the API is read-only (GET, HEAD)")));
  }
  if (snapshot == nullptr) {
    return ErrorReply(absl::UnavailableError("no checkpoint to serve yet"));
  }
  switch (*endpoint) {
    case Endpoint::kLog:
    case Endpoint::kEntry: {
      absl::StatusOr<QueryParams> none = internal::ParseQuery(request.target, {});
      if (!none.ok()) return ErrorReply(none.status());
      return *endpoint == Endpoint::kLog ? Log(*snapshot)
                                         : Entry(rest, *snapshot);
    }
    case Endpoint::kProof:
      return Proof(request, *snapshot);
    case Endpoint::kLookup:
      return Lookup(request, *snapshot);
    case Endpoint::kVendor:
      return VendorReleases(request, rest, *snapshot);
  }
  return ErrorReply(absl::InternalError("unreachable"));
}

void JsonApi::Handle(const HttpRequest& request, absl::string_view path,
                     const JsonApiSnapshot* snapshot,
                     HttpResponse& response) const {
  HttpReply reply = Reply(request, path, snapshot);
  if (reply.status == 405) response.SetHeader("Allow", "GET, HEAD");
  WriteReply(std::move(reply), request, response);
}

HttpReply JsonApi::Log(const JsonApiSnapshot& snapshot) const {
  std::string body = absl::StrCat("{\"origin\":", JsonString(snapshot.origin));
  AppendJsonStringField(&body, "log_key", log_vkey_);
  absl::StrAppend(&body, ",\"size\":", snapshot.size, ",\"root_hash\":\"",
                  snapshot.root.ToBase64(), "\"");
  AppendJsonStringField(&body, "checkpoint", snapshot.signed_note);
  return JsonReply(body + "}", short_caching_);
}

HttpReply JsonApi::Entry(absl::string_view index_text,
                         const JsonApiSnapshot& snapshot) const {
  absl::StatusOr<uint64_t> index = internal::ParseUint(index_text, "index");
  if (!index.ok()) return ErrorReply(index.status());
  if (*index >= snapshot.size) return Beyond("entry", *index, snapshot.size);
  absl::StatusOr<std::string> leaf = store_->GetEntry(*index);
  if (!leaf.ok()) {
    return StorageError(absl::StrCat("reading entry ", *index), leaf.status());
  }
  return JsonReply(internal::EntryJson(*index, *leaf), internal::kImmutableCaching);
}

HttpReply JsonApi::Proof(const HttpRequest& request,
                         const JsonApiSnapshot& snapshot) const {
  absl::StatusOr<QueryParams> params =
      internal::ParseQuery(request.target, {"index", "size"});
  if (!params.ok()) return ErrorReply(params.status());
  absl::StatusOr<uint64_t> index = internal::RequiredUint(*params, "index");
  if (!index.ok()) return ErrorReply(index.status());
  absl::StatusOr<uint64_t> size = internal::RequiredUint(*params, "size");
  if (!size.ok()) return ErrorReply(size.status());
  if (*size > snapshot.size) return Beyond("size", *size, snapshot.size);
  if (*index >= *size) {
    return ErrorReply(absl::InvalidArgumentError(absl::StrCat(
        "index ", *index, " is not below size ", *size)));
  }
  // The Log service's own answer (proofs.h), so both prove alike.
  vitrine::v1::GetInclusionProofRequest proof_request;
  proof_request.set_leaf_index(*index);
  proof_request.set_tree_size(*size);
  vitrine::v1::GetInclusionProofResponse proof;
  const Head head{snapshot.size, snapshot.signed_note};
  if (absl::Status answered =
          InclusionProofAnswer(*store_, head, proof_request, proof);
      !answered.ok()) {
    return StorageError(
        absl::StrCat("proving entry ", *index, " in size ", *size), answered);
  }
  std::string body = absl::StrCat("{\"index\":", *index, ",\"size\":", *size,
                                  ",\"hashes\":[");
  for (int i = 0; i < proof.proof_size(); ++i) {
    absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(proof.proof(i));
    if (!hash.ok()) return StorageError("encoding a proof", hash.status());
    absl::StrAppend(&body, i == 0 ? "\"" : ",\"", hash->ToBase64(), "\"");
  }
  return JsonReply(body + "]}", internal::kImmutableCaching);
}

HttpReply JsonApi::Lookup(const HttpRequest& request,
                          const JsonApiSnapshot& snapshot) const {
  absl::StatusOr<QueryParams> params =
      internal::ParseQuery(request.target, {"sha256"});
  if (!params.ok()) return ErrorReply(params.status());
  auto hex = params->find("sha256");
  if (hex == params->end()) {
    return ErrorReply(absl::InvalidArgumentError("missing parameter sha256"));
  }
  absl::StatusOr<merkle::Hash> digest = internal::ParseSha256Hex(hex->second);
  if (!digest.ok()) return ErrorReply(digest.status());
  absl::StatusOr<DigestLeaves> found =
      FindDigestLeaves(*store_, snapshot.size, *digest, kLookupLimit);
  if (!found.ok()) return StorageError("looking a digest up", found.status());
  std::string body =
      absl::StrCat("{\"size\":", snapshot.size, ",\"entries\":[");
  bool first = true;
  for (const auto& [index, leaf] : found->leaves) {
    absl::StrAppend(&body, first ? "" : ",", internal::EntryJson(index, leaf));
    first = false;
  }
  absl::StrAppend(&body, "],\"truncated\":", found->truncated ? "true" : "false",
                  "}");
  return JsonReply(std::move(body), short_caching_);
}

HttpReply JsonApi::VendorReleases(const HttpRequest& request,
                                  absl::string_view encoded,
                                  const JsonApiSnapshot& snapshot) const {
  absl::StatusOr<std::string> vendor = internal::DecodeSegment(encoded);
  if (!vendor.ok()) return ErrorReply(vendor.status());
  if (absl::Status name = note::CheckVendorName(*vendor); !name.ok()) {
    return ErrorReply(absl::InvalidArgumentError(
        absl::StrCat("vendor name ", internal::QuoteInput(*vendor),
                     " is outside the statement grammar: ",
                     absl::StripPrefix(name.message(), "statement vendor: "))));
  }
  absl::StatusOr<QueryParams> params =
      internal::ParseQuery(request.target, {"before", "limit"});
  if (!params.ok()) return ErrorReply(params.status());
  absl::StatusOr<std::optional<uint64_t>> before =
      internal::OptionalUint(*params, "before");
  if (!before.ok()) return ErrorReply(before.status());
  absl::StatusOr<std::optional<uint64_t>> limit =
      internal::OptionalUint(*params, "limit");
  if (!limit.ok()) return ErrorReply(limit.status());
  const uint64_t page = limit->value_or(kDefaultPageLimit);
  if (page < 1 || page > kMaxPageLimit) {
    return ErrorReply(absl::InvalidArgumentError(
        absl::StrCat("limit ", page, " is outside 1..", kMaxPageLimit)));
  }
  if (before->has_value() && **before > snapshot.size) {
    return Beyond("before", **before, snapshot.size);
  }
  // The tree the page is computed from: with `before`, the tree of that
  // size, whose releases never change, so neither does the page.
  const uint64_t size = before->value_or(snapshot.size);
  if (store_->VendorIndexCoverage() < size) {
    return ErrorReply(absl::UnavailableError(
        "the vendor index is still being built; try again shortly"));
  }
  // One more than the page: whether there is a next one.
  absl::StatusOr<std::vector<uint64_t>> indexes =
      store_->VendorReleases(note::VendorKey(*vendor), size, page + 1);
  if (!indexes.ok()) return StorageError("listing a vendor", indexes.status());
  std::optional<uint64_t> next_before;
  if (indexes->size() > page) {
    indexes->resize(page);
    next_before = indexes->back();
  }
  absl::StatusOr<std::string> entries = EntriesJson(*store_, *indexes);
  if (!entries.ok()) return StorageError("listing a vendor", entries.status());
  std::string body = absl::StrCat("{\"vendor\":", JsonString(*vendor),
                                  ",\"size\":", size, ",\"entries\":", *entries,
                                  ",\"next_before\":",
                                  next_before.has_value()
                                      ? absl::StrCat(*next_before)
                                      : std::string("null"),
                                  "}");
  return JsonReply(std::move(body), before->has_value()
                                        ? internal::kImmutableCaching
                                        : absl::string_view(short_caching_));
}

}  // namespace vitrine::serving
