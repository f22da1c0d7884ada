#include "log/serving/internal/immutable_cache.h"

#include <utility>

namespace vitrine::serving::internal {

std::shared_ptr<const CachedBody> ImmutableCache::Get(
    absl::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : it->second;
}

void ImmutableCache::Put(absl::string_view key,
                         std::shared_ptr<const CachedBody> body) {
  if (body == nullptr || body->bytes.size() > max_bytes_) return;
  absl::MutexLock lock(&mu_);
  if (!map_.try_emplace(key, body).second) return;
  order_.emplace_back(key);
  bytes_ += body->bytes.size();
  while (bytes_ > max_bytes_ && !order_.empty()) {
    auto it = map_.find(order_.front());
    bytes_ -= it->second->bytes.size();
    map_.erase(it);
    order_.pop_front();
  }
}

size_t ImmutableCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace vitrine::serving::internal
