#include "log/note/vendor_keys.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::note {
namespace {

using ::testing::ElementsAre;
using ::vitrine::testing::StatusIs;

// A vendor's verifier key from a fixed seed, so failures reproduce.
std::string VendorKey(const std::string& name, char seed_byte) {
  const std::string skey =
      FormatSignerKey(name, SignatureType::kEd25519,
                            std::string(32, seed_byte))
          .value();
  return VerifierKeyOf(skey).value();
}

TEST(ParseVendorKeysTest, KeysCommentsAndBlankLines) {
  const std::string acme1 = VendorKey("example.com/acme", 1);
  const std::string acme2 = VendorKey("example.com/acme", 2);
  const std::string tools = VendorKey("example.org/tools", 3);
  ASSERT_OK_AND_ASSIGN(
      auto keys, ParseVendorKeys(absl::StrCat("# vendors\n\n", acme1, "\n  ",
                                              acme2, "\r\n\t# rotated\n",
                                              tools)));
  EXPECT_EQ(keys->verifiers.size(), 3u);
  EXPECT_THAT(keys->vendors, ElementsAre("example.com/acme", "example.org/tools"));
  const VerifierKey parsed = ParseVerifierKey(tools).value();
  EXPECT_NE(keys->verifiers.Find("example.org/tools", parsed.key_id), nullptr);
}

TEST(ParseVendorKeysTest, EmptyIsValid) {
  ASSERT_OK_AND_ASSIGN(auto keys, ParseVendorKeys("# nobody yet\n"));
  EXPECT_EQ(keys->verifiers.size(), 0u);
  EXPECT_TRUE(keys->vendors.empty());
}

TEST(ParseVendorKeysTest, ErrorsNameTheLine) {
  const std::string acme = VendorKey("example.com/acme", 1);
  EXPECT_THAT(ParseVendorKeys(absl::StrCat("# x\n", acme, "\nnot-a-key\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "vendor file line 3: "));
  // Trailing text after a key (an inline comment) is not a key.
  EXPECT_THAT(ParseVendorKeys(absl::StrCat(acme, " # acme\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "vendor file line 1: "));
  // A key whose ID does not match its name and public key.
  std::string bad_id = acme;
  const size_t plus = bad_id.find('+');
  bad_id[plus + 1] = bad_id[plus + 1] == '0' ? '1' : '0';
  EXPECT_THAT(ParseVendorKeys(bad_id),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "vendor file line 1: "));
}

TEST(ParseVendorKeysTest, RejectsDuplicates) {
  const std::string acme = VendorKey("example.com/acme", 1);
  EXPECT_THAT(
      ParseVendorKeys(absl::StrCat(acme, "\n\n", acme, "\n")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "vendor file line 3: duplicate key example.com/acme"));
  EXPECT_THAT(ParseVendorKeys(absl::StrCat(acme, "\n\n", acme, "\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, "first on line 1"));
}

TEST(ParseVendorKeysTest, RejectsWitnessKeys) {
  const std::string skey =
      FormatSignerKey("witness.example", SignatureType::kCosignatureV1,
                            std::string(32, 7))
          .value();
  EXPECT_THAT(ParseVendorKeys(VerifierKeyOf(skey).value()),
              StatusIs(absl::StatusCode::kInvalidArgument, "type 0x01"));
}

TEST(ReadVendorKeysFileTest, NamesThePath) {
  EXPECT_THAT(ReadVendorKeysFile("/nonexistent/vendors"),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace vitrine::note
