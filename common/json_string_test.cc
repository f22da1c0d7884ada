#include "common/json_string.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vitrine {
namespace {

TEST(JsonStringTest, QuotesPlainText) {
  EXPECT_EQ(JsonString("example.com/acme"), "\"example.com/acme\"");
  EXPECT_EQ(JsonString(""), "\"\"");
  // UTF-8 is kept as it is: é, €.
  EXPECT_EQ(JsonString("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
}

TEST(JsonStringTest, EscapesQuotesBackslashControlsAndDel) {
  EXPECT_EQ(JsonString("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(JsonString("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(JsonString("line one\nline\ttwo\r"),
            "\"line one\\u000aline\\u0009two\\u000d\"");
  EXPECT_EQ(JsonString(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(JsonString("\x1b[31m\x7f"), "\"\\u001b[31m\\u007f\"");
}

TEST(JsonStringTest, ReadsBackAsTheSameString) {
  std::string all;
  for (int byte = 0; byte < 0x80; ++byte) all.push_back(static_cast<char>(byte));
  all += "caf\xc3\xa9";
  const nlohmann::json parsed = nlohmann::json::parse(JsonString(all));
  ASSERT_TRUE(parsed.is_string());
  EXPECT_EQ(parsed.get<std::string>(), all);
}

TEST(AppendJsonStringFieldTest, AppendsCommaNameColonValue) {
  std::string line = "{\"origin\":" + JsonString("example.com/log");
  AppendJsonStringField(&line, "vendor", "acme\n");
  line += "}";
  EXPECT_EQ(line, "{\"origin\":\"example.com/log\",\"vendor\":\"acme\\u000a\"}");
  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["vendor"].get<std::string>(), "acme\n");
}

}  // namespace
}  // namespace vitrine
