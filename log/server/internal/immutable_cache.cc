#include "log/server/internal/immutable_cache.h"

#include <utility>

namespace vitrine::server::internal {

std::shared_ptr<const std::string> ImmutableCache::Get(
    absl::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : it->second;
}

void ImmutableCache::Put(absl::string_view key,
                         std::shared_ptr<const std::string> bytes) {
  if (bytes == nullptr || bytes->size() > max_bytes_) return;
  absl::MutexLock lock(&mu_);
  if (!map_.try_emplace(key, bytes).second) return;
  order_.emplace_back(key);
  bytes_ += bytes->size();
  while (bytes_ > max_bytes_ && !order_.empty()) {
    auto it = map_.find(order_.front());
    bytes_ -= it->second->size();
    map_.erase(it);
    order_.pop_front();
  }
}

size_t ImmutableCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace vitrine::server::internal
