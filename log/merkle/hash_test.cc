#include "log/merkle/hash.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"

namespace vitrine::merkle {
namespace {

using ::vitrine::testing::HexToBytes;
using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

TEST(HashTest, LeafHashesMatchVectors) {
  nlohmann::json vectors = ReadVectorJson("hashes.json");
  const std::string prefix = vectors["entry_prefix"].get<std::string>();
  ASSERT_GT(vectors["leaves"].size(), 0u);
  for (const auto& leaf : vectors["leaves"]) {
    std::string entry = HexToBytes(leaf["entry_hex"].get<std::string>());
    EXPECT_EQ(HashLeaf(entry).ToHex(), leaf["leaf_hash"].get<std::string>())
        << "leaf " << leaf["index"];
    // Entry i is the prefix and i in decimal: what the other vector tests
    // rebuild their logs from.
    EXPECT_EQ(entry, absl::StrCat(prefix, leaf["index"].get<uint64_t>()));
    EXPECT_EQ(entry, leaf["entry"].get<std::string>());
  }
}

TEST(HashTest, EmptyRootMatchesVector) {
  nlohmann::json vectors = ReadVectorJson("hashes.json");
  EXPECT_EQ(EmptyRoot().ToHex(), vectors["empty_tree_root"].get<std::string>());
}

TEST(HashTest, Sha256IsPlainSha256) {
  nlohmann::json vectors = ReadVectorJson("hashes.json");
  EXPECT_EQ(Sha256("").ToHex(), vectors["empty_tree_root"].get<std::string>());
  // FIPS 180-2 example "abc".
  EXPECT_EQ(Sha256("abc").ToHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // A leaf hash is not the plain hash of the entry.
  EXPECT_NE(Sha256("abc"), HashLeaf("abc"));
}

TEST(HashTest, ChildrenHashIsDomainSeparatedFromLeaves) {
  Hash a = HashLeaf("a");
  Hash b = HashLeaf("b");
  std::string concatenated = std::string(a.AsStringView()) +
                             std::string(b.AsStringView());
  EXPECT_NE(HashChildren(a, b), HashLeaf(concatenated));
  EXPECT_NE(HashChildren(a, b), HashChildren(b, a));
}

TEST(HashTest, HexAndBase64RoundTrip) {
  Hash h = HashLeaf("entry-0");
  ASSERT_OK_AND_ASSIGN(Hash from_hex, Hash::FromHex(h.ToHex()));
  EXPECT_EQ(from_hex, h);
  ASSERT_OK_AND_ASSIGN(Hash from_b64, Hash::FromBase64(h.ToBase64()));
  EXPECT_EQ(from_b64, h);
  ASSERT_OK_AND_ASSIGN(Hash from_bytes, Hash::FromBytes(h.AsStringView()));
  EXPECT_EQ(from_bytes, h);
}

TEST(HashTest, RejectsMalformedEncodings) {
  std::string hex = HashLeaf("x").ToHex();
  EXPECT_THAT(Hash::FromBytes(std::string(31, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument, "got 31"));
  EXPECT_THAT(Hash::FromHex(hex.substr(2)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  std::string upper = hex;
  upper[0] = 'A';
  upper[1] = 'B';
  EXPECT_THAT(Hash::FromHex(upper), StatusIs(absl::StatusCode::kInvalidArgument));
  std::string b64 = HashLeaf("x").ToBase64();
  EXPECT_THAT(Hash::FromBase64(b64.substr(0, 43)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Hash::FromBase64(b64 + "="),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Non-canonical: the 43rd character's two low bits fall into the padding
  // and must be zero; absl would decode it, the hash parser must not.
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string non_canonical = b64;
  non_canonical[42] = alphabet[alphabet.find(b64[42]) ^ 1];
  EXPECT_THAT(Hash::FromBase64(non_canonical),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vitrine::merkle
