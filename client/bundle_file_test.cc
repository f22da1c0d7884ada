#include "client/bundle_file.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "client/file_digest.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"

namespace vitrine::client {
namespace {

using ::vitrine::testing::StatusIs;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

vitrine::v1::Bundle Sample() {
  vitrine::v1::Bundle bundle;
  bundle.set_statement(std::string("vitrine/release/v1\n\0\xff", 21));
  bundle.set_leaf_index(42);
  bundle.set_checkpoint("example.com/log\n43\nAAAA\n\n— example.com/log x\n");
  bundle.add_inclusion_proof(std::string(32, '\x01'));
  bundle.add_inclusion_proof(std::string(32, '\xfe'));
  return bundle;
}

TEST(BundleFileTest, RoundTripsThroughAFile) {
  const std::string path = TempDir() + "/tool.tar.gz.vitrine.json";
  EXPECT_EQ(BundlePathFor(TempDir() + "/tool.tar.gz"), path);
  ASSERT_OK(WriteBundleFile(path, Sample()));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle read, ReadBundleFile(path));
  EXPECT_EQ(read.SerializeAsString(), Sample().SerializeAsString());
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(TempDir())) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
}

TEST(BundleFileTest, WritesStablePrettyJson) {
  ASSERT_OK_AND_ASSIGN(std::string a, FormatBundleJson(Sample()));
  ASSERT_OK_AND_ASSIGN(std::string b, FormatBundleJson(Sample()));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.front(), '{');
  EXPECT_EQ(a.back(), '\n');
  EXPECT_NE(a.find("\n \"leafIndex\": \"42\""), std::string::npos) << a;
  EXPECT_LT(a.find("\"statement\""), a.find("\"leafIndex\""));
  EXPECT_LT(a.find("\"checkpoint\""), a.find("\"inclusionProof\""));
}

TEST(BundleFileTest, RefusesMalformedJson) {
  for (const char* json : {
           "",
           "{",
           "[]",
           "{\"statement\": \"not base64!\"}",
           "{\"leafIndex\": \"-1\"}",
           "{\"leafIndex\": {}}",
           "{\"unknownField\": 1}",
           "{\"checkpoint\": \"x\"} trailing",
       }) {
    EXPECT_THAT(ParseBundleJson(json),
                StatusIs(absl::StatusCode::kInvalidArgument, "bundle JSON"))
        << json;
  }
}

TEST(BundleFileTest, ErrorsNameTheFile) {
  const std::string path = TempDir() + "/bad.vitrine.json";
  std::ofstream(path) << "{\"extra\": true}";
  EXPECT_THAT(ReadBundleFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, path));
  EXPECT_THAT(ReadBundleFile(TempDir() + "/missing.vitrine.json"),
              StatusIs(absl::StatusCode::kNotFound));
  const std::string big = TempDir() + "/big.vitrine.json";
  std::ofstream(big) << std::string(kMaxBundleFileSize + 1, ' ');
  EXPECT_THAT(ReadBundleFile(big),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(BundleFileTest, ReplacesAnExistingFile) {
  const std::string path = TempDir() + "/replace.vitrine.json";
  ASSERT_OK(WriteBundleFile(path, Sample()));
  vitrine::v1::Bundle other = Sample();
  other.set_leaf_index(7);
  ASSERT_OK(WriteBundleFile(path, other));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle read, ReadBundleFile(path));
  EXPECT_EQ(read.leaf_index(), 7u);
  EXPECT_THAT(WriteBundleFile(TempDir() + "/no/such/dir/x.json", other),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(BundleFileTest, CarriesRebuilds) {
  vitrine::v1::Bundle bundle = Sample();
  vitrine::v1::RebuildProof* rebuild = bundle.add_rebuilds();
  rebuild->set_statement("vitrine/rebuild/v1\nrebuilder r\n");
  rebuild->set_leaf_index(40);
  rebuild->add_inclusion_proof(std::string(32, '\x02'));
  bundle.add_rebuilds()->set_statement("second");  // leafIndex 0: omitted.
  ASSERT_OK_AND_ASSIGN(std::string json, FormatBundleJson(bundle));
  EXPECT_LT(json.find("\"inclusionProof\""), json.find("\"rebuilds\""));
  EXPECT_NE(json.find("\"leafIndex\": \"40\""), std::string::npos) << json;
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle read, ParseBundleJson(json));
  EXPECT_EQ(read.SerializeAsString(), bundle.SerializeAsString());
  ASSERT_EQ(read.rebuilds_size(), 2);
  EXPECT_EQ(read.rebuilds(1).leaf_index(), 0u);
  // Without rebuilds, the JSON is what it was before the field existed.
  ASSERT_OK_AND_ASSIGN(std::string old, FormatBundleJson(Sample()));
  EXPECT_EQ(old.find("rebuilds"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(read, ParseBundleJson(old));
  EXPECT_EQ(read.rebuilds_size(), 0);
  // A rebuild's fields are read as strictly as the bundle's.
  EXPECT_THAT(ParseBundleJson("{\"rebuilds\": [{\"sha256\": \"x\"}]}"),
              StatusIs(absl::StatusCode::kInvalidArgument, "bundle JSON"));
}

TEST(BundleFileTest, RefusesToWriteWhatNoReaderTakes) {
  vitrine::v1::Bundle bundle = Sample();
  // 16 KiB statements take about 22 KiB in base64: 48 pass 1 MiB.
  for (int i = 0; i < 48; ++i) {
    bundle.add_rebuilds()->set_statement(std::string(16 << 10, 'r'));
  }
  EXPECT_THAT(FormatBundleJson(bundle),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "(48 rebuild statements) exceeds the 1048576 bytes"));
  const std::string path = TempDir() + "/huge.vitrine.json";
  EXPECT_THAT(WriteBundleFile(path, bundle),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(FileDigestTest, HashesFilesOfAnySize) {
  const std::string empty = TempDir() + "/empty";
  std::ofstream(empty).close();
  ASSERT_OK_AND_ASSIGN(merkle::Hash h, HashFile(empty));
  EXPECT_EQ(h.ToHex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Larger than one read buffer: "abc" repeated, checked against the
  // one-shot hash of the same bytes.
  std::string data;
  for (int i = 0; i < 200000; ++i) data += "abc";
  const std::string path = TempDir() + "/big-artifact";
  std::ofstream(path, std::ios::binary) << data;
  ASSERT_OK_AND_ASSIGN(merkle::Hash big, HashFile(path));
  ASSERT_OK_AND_ASSIGN(merkle::Hash abc, HashFile(empty));
  EXPECT_NE(big, abc);
  std::ofstream(path, std::ios::binary) << "abc";
  ASSERT_OK_AND_ASSIGN(abc, HashFile(path));
  EXPECT_EQ(abc.ToHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_THAT(HashFile(TempDir() + "/missing"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(HashFile(TempDir()), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vitrine::client
