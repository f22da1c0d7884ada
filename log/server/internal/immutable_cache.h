// The bytes of immutable HTTP answers (full tiles and full entry bundles,
// which never change once the tree has them), kept in memory so that a hot
// tile is read from RocksDB and encoded once, then written to every client
// from the same buffer (HttpResponse::shared_body). Bounded in bytes; the
// oldest entries go first.
//
//   ImmutableCache cache(64 << 20);
//   if (auto bytes = cache.Get(path)) ... else cache.Put(path, bytes);
//
// Thread-safety: thread-safe; one mutex held for a hash lookup.
#ifndef VITRINE_LOG_SERVER_INTERNAL_IMMUTABLE_CACHE_H_
#define VITRINE_LOG_SERVER_INTERNAL_IMMUTABLE_CACHE_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace vitrine::server::internal {

class ImmutableCache {
 public:
  // `max_bytes` 0 keeps nothing.
  explicit ImmutableCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The bytes stored under `key`, or null.
  std::shared_ptr<const std::string> Get(absl::string_view key) const;
  // Stores `bytes` under `key` (a key already there keeps its bytes),
  // evicting the oldest entries beyond the budget; a value larger than the
  // whole budget is not kept.
  void Put(absl::string_view key, std::shared_ptr<const std::string> bytes);

  size_t bytes() const;

 private:
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const std::string>> map_
      ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // oldest first
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_IMMUTABLE_CACHE_H_
