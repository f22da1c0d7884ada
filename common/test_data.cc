#include "common/test_data.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace vitrine::testing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "test data: %s\n", message.c_str());
  std::abort();
}

}  // namespace

std::string VectorPath(absl::string_view file) {
  // Bazel sets TEST_SRCDIR; external repositories sit at its top level.
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir == nullptr) Die("TEST_SRCDIR is not set: run through bazel test");
  return absl::StrCat(srcdir, "/vectors/", file);
}

std::vector<std::string> ListVectorFiles(absl::string_view dir) {
  // The runfiles tree is a folder of links, one per file, so it lists as the
  // source folder does (Bazel's default --build_runfile_links).
  const std::filesystem::path folder = VectorPath(dir);
  std::error_code error;
  std::vector<std::string> files;
  for (std::filesystem::directory_iterator it(folder, error), end;
       !error && it != end; it.increment(error)) {
    const std::filesystem::path& path = it->path();
    if (path.extension() == ".json" && std::filesystem::is_regular_file(path)) {
      files.push_back(absl::StrCat(dir, "/", path.filename().string()));
    }
  }
  if (error) {
    Die(absl::StrCat("cannot list ", folder.string(), ": ", error.message()));
  }
  if (files.empty()) Die(absl::StrCat("no .json files in ", folder.string()));
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json ReadVectorJson(absl::string_view file) {
  std::string path = VectorPath(file);
  std::ifstream in(path);
  if (!in) Die(absl::StrCat("cannot open ", path, " (is ../shared/vectors there?)"));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json parsed = nlohmann::json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded()) Die(absl::StrCat("malformed JSON in ", path));
  return parsed;
}

std::string HexToBytes(absl::string_view hex) {
  if (hex.size() % 2 != 0 ||
      hex.find_first_not_of("0123456789abcdef") != absl::string_view::npos) {
    Die(absl::StrCat("bad hex in vector: ", hex));
  }
  return absl::HexStringToBytes(hex);
}

std::string Base64ToBytes(absl::string_view b64) {
  std::string out;
  if (!absl::Base64Unescape(b64, &out)) Die(absl::StrCat("bad base64: ", b64));
  return out;
}

}  // namespace vitrine::testing
