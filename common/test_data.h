// Reads test data files declared as `data` of a test, such as the shared
// C2SP vectors (@vectors, from ../shared/vectors beside the checkout).
//
//   nlohmann::json hashes = vitrine::testing::ReadVectorJson("hashes.json");
//   for (const auto& leaf : hashes["leaves"]) ...
//   for (const std::string& file : vitrine::testing::ListVectorFiles("tiles"))
//     nlohmann::json layout = vitrine::testing::ReadVectorJson(file);
//
// Tests take every parameter (names, sizes, counts) from the files, so that
// another set in the same format (scripts/dev/make_test_vectors.py) passes too.
#ifndef VITRINE_COMMON_TEST_DATA_H_
#define VITRINE_COMMON_TEST_DATA_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace vitrine::testing {

// Returns the path of `file` (e.g. "tiles/size-1.json") in @vectors.
std::string VectorPath(absl::string_view file);

// Returns the JSON files directly in folder `dir` of @vectors (e.g. "tiles"),
// as paths for ReadVectorJson ("tiles/size-1.json"), sorted; aborts when the
// folder cannot be listed or holds none, so a test never passes vacuously.
std::vector<std::string> ListVectorFiles(absl::string_view dir);

// Reads and parses a JSON vector file; aborts the test binary with a clear
// message when the file is missing or malformed (a test cannot go on).
nlohmann::json ReadVectorJson(absl::string_view file);

// Decodes lowercase hex or standard base64 test fields; aborts on bad input.
std::string HexToBytes(absl::string_view hex);
std::string Base64ToBytes(absl::string_view b64);

}  // namespace vitrine::testing

#endif  // VITRINE_COMMON_TEST_DATA_H_
