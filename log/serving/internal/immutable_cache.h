// The bytes of immutable HTTP answers (full tiles and full entry bundles,
// which never change once the tree has them), kept in memory so that a hot
// tile is read from RocksDB and encoded once, then written to every client
// from the same buffer (HttpResponse::shared_body). Bounded in bytes; the
// oldest entries go first.
//
//   ImmutableCache cache(64 << 20);
//   if (auto cached = cache.Get(path)) ... else cache.Put(path, cached);
//
// Each entry keeps the answer's ETag beside its bytes, so that a hot tile
// is hashed once too.
//
// Thread-safety: thread-safe; one mutex held for a hash lookup.
#ifndef VITRINE_LOG_SERVING_INTERNAL_IMMUTABLE_CACHE_H_
#define VITRINE_LOG_SERVING_INTERNAL_IMMUTABLE_CACHE_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace vitrine::serving::internal {

// One cached answer: its bytes and its strong ETag (quoted).
struct CachedBody {
  std::string bytes;
  std::string etag;
};

class ImmutableCache {
 public:
  // `max_bytes` 0 keeps nothing.
  explicit ImmutableCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Returns the answer stored under `key`, or null.
  std::shared_ptr<const CachedBody> Get(absl::string_view key) const;
  // Stores `body` under `key` (a key already there keeps its body),
  // evicting the oldest entries beyond the budget (counted in body bytes);
  // a body larger than the whole budget is not kept.
  void Put(absl::string_view key, std::shared_ptr<const CachedBody> body);

  size_t bytes() const;

 private:
  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const CachedBody>> map_
      ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // oldest first
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vitrine::serving::internal

#endif  // VITRINE_LOG_SERVING_INTERNAL_IMMUTABLE_CACHE_H_
