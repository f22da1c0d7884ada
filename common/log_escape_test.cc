#include "common/log_escape.h"

#include <string>

#include "gtest/gtest.h"

namespace vitrine {
namespace {

TEST(EscapeForLogTest, KeepsPrintableAsciiAndUtf8) {
  EXPECT_EQ(EscapeForLog("m1.test/witness"), "m1.test/witness");
  EXPECT_EQ(EscapeForLog("gossip peer \"b\" (x:1)"), "gossip peer \"b\" (x:1)");
  // é (2 bytes), € (3 bytes), 𝄞 (4 bytes).
  EXPECT_EQ(EscapeForLog("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e");
  EXPECT_EQ(EscapeForLog(""), "");
}

TEST(EscapeForLogTest, EscapesControlsDelAndBackslash) {
  EXPECT_EQ(EscapeForLog("a\nvitrine-monitor: ALARM: log x misbehaved\n"),
            "a\\x0avitrine-monitor: ALARM: log x misbehaved\\x0a");
  EXPECT_EQ(EscapeForLog("\r\t\x1b[31m\x7f"), "\\x0d\\x09\\x1b[31m\\x7f");
  EXPECT_EQ(EscapeForLog(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeForLog("a\\x0ab"), "a\\x5cx0ab");
}

TEST(EscapeForLogTest, EscapesInvalidUtf8BytePerByte) {
  EXPECT_EQ(EscapeForLog("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeForLog("a\x80z"), "a\\x80z");                 // stray continuation
  EXPECT_EQ(EscapeForLog("\xc0\xaf"), "\\xc0\\xaf");            // overlong '/'
  EXPECT_EQ(EscapeForLog("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");   // overlong
  EXPECT_EQ(EscapeForLog("\xed\xa0\x80"), "\\xed\\xa0\\x80");   // surrogate
  EXPECT_EQ(EscapeForLog("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  EXPECT_EQ(EscapeForLog("\xc3"), "\\xc3");                     // cut short
  EXPECT_EQ(EscapeForLog("\xe2\x82z"), "\\xe2\\x82z");
}

TEST(EscapeForLogTest, EscapesC1ControlsAndLineSeparators) {
  EXPECT_EQ(EscapeForLog("a\xc2\x9b" "31m"), "a\\xc2\\x9b31m");
  EXPECT_EQ(EscapeForLog("\xc2\x85"), "\\xc2\\x85");  // NEL
  EXPECT_EQ(EscapeForLog("\xc2\xa0"), "\xc2\xa0");    // no-break space is kept
  EXPECT_EQ(EscapeForLog("a\xe2\x80\xa8" "b\xe2\x80\xa9"),
            "a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9");
}

TEST(EscapeForLogTest, CapsTheInputNeverSplittingASequence) {
  EXPECT_EQ(EscapeForLog("abcdefgh", 5), "abcde...(3 more bytes)");
  EXPECT_EQ(EscapeForLog("abcde", 5), "abcde");
  // "€" would cross the limit at byte 3: cut before it.
  EXPECT_EQ(EscapeForLog("ab\xe2\x82\xac", 3), "ab...(3 more bytes)");
  EXPECT_EQ(EscapeForLog("\n\n\n", 2), "\\x0a\\x0a...(1 more bytes)");
  EXPECT_EQ(EscapeForLog(std::string(1000, 'x')),
            std::string(kLogEscapeMaxBytes, 'x') + "...(744 more bytes)");
}

TEST(EscapeForLogTest, NeverOutputsAControlByte) {
  std::string every;
  for (int byte = 0; byte < 256; ++byte) every.push_back(static_cast<char>(byte));
  const std::string escaped = EscapeForLog(every, every.size());
  for (const char c : escaped) {
    const unsigned char byte = static_cast<unsigned char>(c);
    EXPECT_FALSE(byte < 0x20 || byte == 0x7f) << static_cast<int>(byte);
  }
  // 0x20-0x7e stay, but for the backslash; the other 161 bytes are escaped.
  EXPECT_EQ(escaped.size(), 94u + 161u * 4u + 4u);
}

}  // namespace
}  // namespace vitrine
