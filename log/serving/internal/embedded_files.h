// Files compiled into the binary by internal/embed_files.cc (a genrule in
// log/serving/BUILD.bazel): the log explorer's page and assets, served by
// explorer_http.h. Each is known by the URL path it is served at.
#ifndef VITRINE_LOG_SERVING_INTERNAL_EMBEDDED_FILES_H_
#define VITRINE_LOG_SERVING_INTERNAL_EMBEDDED_FILES_H_

#include <cstddef>

namespace vitrine::serving::internal {

struct EmbeddedFile {
  const char* url_path;  // e.g. "/explorer/explorer.js"
  const char* bytes;     // `size` bytes (NUL-terminated beyond them)
  size_t size;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

}  // namespace vitrine::serving::internal

#endif  // VITRINE_LOG_SERVING_INTERNAL_EMBEDDED_FILES_H_
