#include "log/serving/origin.h"

#include "absl/strings/str_cat.h"
#include "common/log_escape.h"

namespace vitrine::serving {

absl::Status CheckOrigin(absl::string_view requested, absl::string_view own) {
  if (requested.empty() || requested == own) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("no log ", QuoteOrigin(requested),
                                          " here: this log is ",
                                          QuoteOrigin(own)));
}

std::string QuoteOrigin(absl::string_view origin) {
  return absl::StrCat("\"", EscapeForLog(origin), "\"");
}

}  // namespace vitrine::serving
