#include "log/note/policy.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"
#include "log/note/statement.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::StatusIs;

// A key pair with a fixed seed, so that failures reproduce.
struct TestKey {
  std::string skey;
  std::string vkey;
};

TestKey MakeKey(absl::string_view name, char seed_byte,
                SignatureType type = SignatureType::kEd25519) {
  TestKey key;
  key.skey = FormatSignerKey(name, type, std::string(32, seed_byte)).value();
  key.vkey = VerifierKeyOf(key.skey).value();
  return key;
}

const TestKey& Log() {
  static const TestKey* key = new TestKey(MakeKey("example.com/log", 'l'));
  return *key;
}
const TestKey& Log2() {
  static const TestKey* key = new TestKey(MakeKey("example.com/log", 'm'));
  return *key;
}
const TestKey& Witness1() {
  static const TestKey* key = new TestKey(
      MakeKey("w1.example.org", '1', SignatureType::kCosignatureV1));
  return *key;
}
const TestKey& Witness2() {
  static const TestKey* key = new TestKey(
      MakeKey("w2.example.net", '2', SignatureType::kCosignatureV1));
  return *key;
}
const TestKey& Acme() {
  static const TestKey* key = new TestKey(MakeKey("example.com/acme", 'a'));
  return *key;
}
const TestKey& Builder() {
  static const TestKey* key = new TestKey(MakeKey("builds.example.net", 'b'));
  return *key;
}
const TestKey& Rebuilder1() {
  static const TestKey* key =
      new TestKey(MakeKey("rebuild.example.org/r1", 'r'));
  return *key;
}
const TestKey& Rebuilder2() {
  static const TestKey* key =
      new TestKey(MakeKey("rebuild.example.net/r2", 's'));
  return *key;
}

// A full policy with comments, blank lines and a free order.
std::string FullPolicy() {
  return absl::StrCat(
      "# Policy of the acme fleet.\n"
      "\n"
      "vendor ",
      Acme().vkey, "\n", "log ", Log().vkey, "\n", "log ", Log2().vkey, "\n",
      "witness-quorum 1\n"
      "witness ",
      Witness1().vkey, "\n",
      "#   second witness\n"
      "witness ",
      Witness2().vkey, "\n", "rebuild-quorum 2\n", "rebuilder ",
      Rebuilder1().vkey, "\n", "supervisor ", Builder().vkey, "\n",
      "rebuilder ", Rebuilder2().vkey, "\n",
      "supervisor-quorum 1");  // No final newline: allowed.
}

TEST(PolicyTest, ParsesAFullPolicy) {
  ASSERT_OK_AND_ASSIGN(Policy policy, ParsePolicy(FullPolicy()));
  EXPECT_EQ(policy.log_vkeys(),
            (std::vector<std::string>{Log().vkey, Log2().vkey}));
  EXPECT_EQ(policy.witness_vkeys(),
            (std::vector<std::string>{Witness1().vkey, Witness2().vkey}));
  EXPECT_EQ(policy.vendor_vkeys(), std::vector<std::string>{Acme().vkey});
  EXPECT_EQ(policy.supervisor_vkeys(),
            std::vector<std::string>{Builder().vkey});
  EXPECT_EQ(policy.rebuilder_vkeys(),
            (std::vector<std::string>{Rebuilder1().vkey, Rebuilder2().vkey}));
  EXPECT_EQ(policy.witness_quorum(), 1u);
  EXPECT_EQ(policy.supervisor_quorum(), 1u);
  EXPECT_EQ(policy.rebuild_quorum(), 2u);
  EXPECT_EQ(policy.log_keys().size(), 2u);
  EXPECT_EQ(policy.witness_keys().size(), 2u);
  EXPECT_EQ(policy.vendor_keys().size(), 1u);
  EXPECT_EQ(policy.supervisor_keys().size(), 1u);
  EXPECT_EQ(policy.rebuilder_keys().size(), 2u);
  const VerifierKey rebuilder = ParseVerifierKey(Rebuilder2().vkey).value();
  EXPECT_NE(policy.rebuilder_keys().Find(rebuilder.name, rebuilder.key_id),
            nullptr);
  EXPECT_EQ(policy.supervisor_keys().Find(rebuilder.name, rebuilder.key_id),
            nullptr);
  const VerifierKey witness = ParseVerifierKey(Witness1().vkey).value();
  const Verifier* found =
      policy.witness_keys().Find(witness.name, witness.key_id);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->Type(), SignatureType::kCosignatureV1);
  EXPECT_EQ(policy.vendor_keys().Find(witness.name, witness.key_id), nullptr);
}

TEST(PolicyTest, FormatsCanonicallyAndRoundTrips) {
  ASSERT_OK_AND_ASSIGN(Policy policy, ParsePolicy(FullPolicy()));
  const std::string text = FormatPolicy(policy);
  EXPECT_EQ(text, absl::StrCat("log ", Log().vkey, "\n",             //
                               "log ", Log2().vkey, "\n",            //
                               "witness ", Witness1().vkey, "\n",    //
                               "witness ", Witness2().vkey, "\n",    //
                               "witness-quorum 1\n",                 //
                               "vendor ", Acme().vkey, "\n",         //
                               "supervisor ", Builder().vkey, "\n",  //
                               "supervisor-quorum 1\n",              //
                               "rebuilder ", Rebuilder1().vkey, "\n",  //
                               "rebuilder ", Rebuilder2().vkey, "\n",  //
                               "rebuild-quorum 2\n"));
  ASSERT_OK_AND_ASSIGN(Policy again, ParsePolicy(text));
  EXPECT_EQ(again, policy);
  EXPECT_EQ(FormatPolicy(again), text);
}

TEST(PolicyTest, MinimalPolicyHasNoQuorums) {
  const std::string text =
      absl::StrCat("log ", Log().vkey, "\nvendor ", Acme().vkey, "\n");
  ASSERT_OK_AND_ASSIGN(Policy policy, ParsePolicy(text));
  EXPECT_EQ(policy.witness_quorum(), 0u);
  EXPECT_EQ(policy.supervisor_quorum(), 0u);
  EXPECT_EQ(policy.rebuild_quorum(), 0u);
  EXPECT_EQ(policy.witness_keys().size(), 0u);
  EXPECT_EQ(policy.rebuilder_keys().size(), 0u);
  EXPECT_TRUE(policy.rebuilder_vkeys().empty());
  EXPECT_EQ(FormatPolicy(policy), text);
  // An explicit zero quorum without keys means the same policy.
  ASSERT_OK_AND_ASSIGN(Policy zero,
                       ParsePolicy(absl::StrCat(text, "witness-quorum 0\n")));
  EXPECT_EQ(zero, policy);
  ASSERT_OK_AND_ASSIGN(Policy no_rebuild,
                       ParsePolicy(absl::StrCat(text, "rebuild-quorum 0\n")));
  EXPECT_EQ(no_rebuild, policy);
}

TEST(PolicyTest, RebuildersWithAZeroQuorumAreKept) {
  // Trusted for contradictions only (verifier.h): the zero is written out.
  const std::string text =
      absl::StrCat("log ", Log().vkey, "\nvendor ", Acme().vkey,
                   "\nrebuilder ", Rebuilder1().vkey, "\nrebuild-quorum 0\n");
  ASSERT_OK_AND_ASSIGN(Policy policy, ParsePolicy(text));
  EXPECT_EQ(policy.rebuild_quorum(), 0u);
  EXPECT_EQ(policy.rebuilder_vkeys(),
            std::vector<std::string>{Rebuilder1().vkey});
  EXPECT_EQ(FormatPolicy(policy), text);
  ASSERT_OK_AND_ASSIGN(Policy without,
                       ParsePolicy(absl::StrCat("log ", Log().vkey,
                                                "\nvendor ", Acme().vkey)));
  EXPECT_NE(policy, without);
}

TEST(PolicyTest, ARebuilderMayShareASupervisorsName) {
  // One organisation may both cosign releases and rebuild them, with
  // another key for each role.
  const TestKey rebuilder = MakeKey("builds.example.net", 'c');
  ASSERT_OK_AND_ASSIGN(
      Policy policy,
      ParsePolicy(absl::StrCat("log ", Log().vkey, "\nvendor ", Acme().vkey,
                               "\nsupervisor ", Builder().vkey,
                               "\nsupervisor-quorum 1\nrebuilder ",
                               rebuilder.vkey, "\nrebuild-quorum 1\n")));
  EXPECT_EQ(policy.rebuild_quorum(), 1u);
  EXPECT_EQ(policy.supervisor_quorum(), 1u);
}

struct BadPolicy {
  std::string label;
  std::string text;
  std::string message;
};

TEST(PolicyTest, RejectsBadPoliciesNamingTheLine) {
  const std::string log = absl::StrCat("log ", Log().vkey, "\n");
  const std::string vendor = absl::StrCat("vendor ", Acme().vkey, "\n");
  const std::string base = absl::StrCat(log, vendor);  // Lines 1-2.
  const std::string w1 = absl::StrCat("witness ", Witness1().vkey, "\n");
  const std::string w2 = absl::StrCat("witness ", Witness2().vkey, "\n");
  const std::string sup = absl::StrCat("supervisor ", Builder().vkey, "\n");
  const std::string r1 = absl::StrCat("rebuilder ", Rebuilder1().vkey, "\n");
  const std::string r2 = absl::StrCat("rebuilder ", Rebuilder2().vkey, "\n");
  std::string bad_id = Log().vkey;
  bad_id[bad_id.find('+') + 1] =
      bad_id[bad_id.find('+') + 1] == '0' ? '1' : '0';
  const std::vector<BadPolicy> cases = {
      {"empty", "", "policy: no log line"},
      {"comments only", "# nothing\n\n", "policy: no log line"},
      {"no vendor", log, "policy: no vendor line"},
      {"unknown directive", absl::StrCat(base, "monitor x\n"),
       "policy line 3: unknown directive \"monitor\""},
      {"upper case", absl::StrCat(base, "Vendor ", Acme().vkey, "\n"),
       "policy line 3: unknown directive \"Vendor\""},
      {"leading space", absl::StrCat(base, " ", vendor),
       "policy line 3: starts with a space"},
      {"no value", absl::StrCat(base, "witness\n"),
       "policy line 3: witness has no value"},
      {"empty value", absl::StrCat(base, "witness \n"),
       "policy line 3: witness has no value"},
      {"double space", absl::StrCat(base, "log  ", Log2().vkey, "\n"),
       "policy line 3: log: value holds a space"},
      {"trailing space", absl::StrCat(base, "log ", Log2().vkey, " \n"),
       "policy line 3: log: value holds a space"},
      {"CRLF", absl::StrReplaceAll(base, {{"\n", "\r\n"}}),
       "policy line 1: carriage return"},
      {"tab in comment", absl::StrCat(base, "#\tnote\n"),
       "policy line 3: control character U+0009"},
      {"bad UTF-8", absl::StrCat(base, "# \xFF\n"),
       "policy line 3: not valid UTF-8 at byte 2"},
      {"not a key", absl::StrCat(base, "log example.com/log\n"),
       "policy line 3: log: verifier key is not name+keyid+key"},
      {"wrong key ID", absl::StrCat(base, "log ", bad_id, "\n"),
       "policy line 3: log: verifier key: wrong key ID"},
      {"witness of type 0x01",
       absl::StrCat(base, "witness ", Log2().vkey, "\nwitness-quorum 1\n"),
       "policy line 3: witness key example.com/log is of type 0x01, not 0x04"},
      {"vendor of type 0x04", absl::StrCat(base, "vendor ", Witness1().vkey),
       "policy line 3: vendor key w1.example.org is of type 0x04, not 0x01"},
      {"duplicate key", absl::StrCat(base, vendor),
       "policy line 3: duplicate key example.com/acme (first on line 2)"},
      {"key in two roles", absl::StrCat(base, "supervisor ", Acme().vkey),
       "policy line 3: duplicate key example.com/acme (first on line 2)"},
      {"duplicate quorum",
       absl::StrCat(base, w1, "witness-quorum 1\nwitness-quorum 1\n"),
       "policy line 5: duplicate witness-quorum (first on line 4)"},
      {"quorum missing", absl::StrCat(base, w1, w2),
       "policy line 3: witness listed but the policy has no witness-quorum"},
      {"quorum too large", absl::StrCat(base, w1, w2, "witness-quorum 3\n"),
       "policy line 5: witness-quorum 3 exceeds the 2 distinct witness names"},
      {"quorum without witnesses", absl::StrCat(base, "witness-quorum 1\n"),
       "policy line 3: witness-quorum 1 exceeds the 0 distinct witness"},
      {"quorum leading zero", absl::StrCat(base, w1, "witness-quorum 01\n"),
       "policy line 4: witness-quorum: \"01\" is not a small decimal"},
      {"quorum negative", absl::StrCat(base, w1, "witness-quorum -1\n"),
       "policy line 4: witness-quorum: \"-1\" is not"},
      {"quorum huge", absl::StrCat(base, w1, "witness-quorum 99999999999\n"),
       "policy line 4: witness-quorum: \"99999999999\" is not"},
      {"supervisor quorum missing", absl::StrCat(base, sup),
       "policy line 3: supervisor listed but the policy has no "
       "supervisor-quorum line"},
      {"supervisor quorum too large",
       absl::StrCat(base, sup, "supervisor-quorum 2\n"),
       "policy line 4: supervisor-quorum 2 exceeds the 1 distinct supervisor"},
      {"supervisor named like a vendor",
       absl::StrCat(base, "supervisor ", MakeKey("example.com/acme", 'x').vkey,
                    "\nsupervisor-quorum 1\n"),
       "policy line 3: supervisor example.com/acme is also a vendor (line 2)"},
      {"rebuilder without value", absl::StrCat(base, "rebuilder\n"),
       "policy line 3: rebuilder has no value"},
      {"rebuilder of type 0x04",
       absl::StrCat(base, "rebuilder ", Witness1().vkey, "\nrebuild-quorum 1\n"),
       "policy line 3: rebuilder key w1.example.org is of type 0x04, not "
       "0x01"},
      {"rebuilder key listed twice",
       absl::StrCat(base, r1, r1, "rebuild-quorum 1\n"),
       "policy line 4: duplicate key rebuild.example.org/r1 (first on line 3)"},
      {"rebuilder key also a supervisor key",
       absl::StrCat(base, sup, "supervisor-quorum 1\nrebuilder ",
                    Builder().vkey, "\nrebuild-quorum 1\n"),
       "policy line 5: duplicate key builds.example.net (first on line 3)"},
      {"rebuilder key also the vendor key",
       absl::StrCat(base, "rebuilder ", Acme().vkey, "\n"),
       "policy line 3: duplicate key example.com/acme (first on line 2)"},
      {"rebuild quorum missing", absl::StrCat(base, r1, r2),
       "policy line 3: rebuilder listed but the policy has no rebuild-quorum "
       "line"},
      {"rebuild quorum too large", absl::StrCat(base, r1, r2, "rebuild-quorum 3\n"),
       "policy line 5: rebuild-quorum 3 exceeds the 2 distinct rebuilder "
       "names listed"},
      {"rebuild quorum without rebuilders",
       absl::StrCat(base, "rebuild-quorum 1\n"),
       "policy line 3: rebuild-quorum 1 exceeds the 0 distinct rebuilder "
       "names listed"},
      {"duplicate rebuild quorum",
       absl::StrCat(base, r1, "rebuild-quorum 1\nrebuild-quorum 0\n"),
       "policy line 5: duplicate rebuild-quorum (first on line 4)"},
      {"rebuild quorum leading zero", absl::StrCat(base, r1, "rebuild-quorum 01\n"),
       "policy line 4: rebuild-quorum: \"01\" is not a small decimal number "
       "without leading zeros"},
      {"rebuild quorum with a space", absl::StrCat(base, r1, "rebuild-quorum 1 \n"),
       "policy line 4: rebuild-quorum: value holds a space"},
      {"rebuilder named like a vendor",
       absl::StrCat(base, "rebuilder ", MakeKey("example.com/acme", 'y').vkey,
                    "\nrebuild-quorum 1\n"),
       "policy line 3: rebuilder example.com/acme is also a vendor (line 2); "
       "a vendor cannot vouch for its own build"},
      {"misspelt directive", absl::StrCat(base, "rebuilders ", Rebuilder1().vkey),
       "policy line 3: unknown directive \"rebuilders\""},
  };
  for (const BadPolicy& c : cases) {
    EXPECT_THAT(ParsePolicy(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.label;
  }
}

TEST(PolicyTest, QuorumCountsDistinctNames) {
  // Two keys of one witness (rotation) are one witness.
  const TestKey w1_new =
      MakeKey("w1.example.org", '3', SignatureType::kCosignatureV1);
  const std::string text =
      absl::StrCat("log ", Log().vkey, "\nvendor ", Acme().vkey, "\nwitness ",
                   Witness1().vkey, "\nwitness ", w1_new.vkey, "\n");
  EXPECT_OK(ParsePolicy(absl::StrCat(text, "witness-quorum 1\n")));
  EXPECT_THAT(ParsePolicy(absl::StrCat(text, "witness-quorum 2\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy line 5: witness-quorum 2 exceeds the 1"));
  // Likewise two keys of one rebuilder are one rebuilder.
  const TestKey r1_new = MakeKey("rebuild.example.org/r1", 't');
  const std::string rebuilders =
      absl::StrCat("log ", Log().vkey, "\nvendor ", Acme().vkey,
                   "\nrebuilder ", Rebuilder1().vkey, "\nrebuilder ",
                   r1_new.vkey, "\n");
  ASSERT_OK_AND_ASSIGN(
      Policy one, ParsePolicy(absl::StrCat(rebuilders, "rebuild-quorum 1\n")));
  EXPECT_EQ(one.rebuilder_keys().size(), 2u);
  EXPECT_THAT(ParsePolicy(absl::StrCat(rebuilders, "rebuild-quorum 2\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "policy line 5: rebuild-quorum 2 exceeds the 1 "
                       "distinct rebuilder names listed"));
}

TEST(PolicyTest, StatementsNeedTheSupervisorQuorum) {
  ASSERT_OK_AND_ASSIGN(Policy policy, ParsePolicy(FullPolicy()));
  Statement statement;
  statement.vendor = "example.com/acme";
  statement.artifact = "acme-cli";
  statement.version = "1.0.0";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Signer> acme, NewSigner(Acme().skey));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Signer> builder,
                       NewSigner(Builder().skey));
  ASSERT_OK_AND_ASSIGN(std::string leaf, SignStatement(statement, *acme));
  EXPECT_THAT(VerifyStatementUnderPolicy(leaf, policy),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "valid signatures from 0 of the 1 supervisors"));
  ASSERT_OK_AND_ASSIGN(std::string cosigned, CosignStatement(leaf, *builder));
  ASSERT_OK_AND_ASSIGN(VerifiedStatement verified,
                       VerifyStatementUnderPolicy(cosigned, policy));
  EXPECT_EQ(verified.statement, statement);
  ASSERT_EQ(verified.supervisors.size(), 1u);
  EXPECT_EQ(verified.supervisors[0].name, "builds.example.net");

  // Without supervisors in the policy, the vendor's signature suffices.
  ASSERT_OK_AND_ASSIGN(Policy lax,
                       ParsePolicy(absl::StrCat("log ", Log().vkey, "\nvendor ",
                                                Acme().vkey, "\n")));
  EXPECT_OK(VerifyStatementUnderPolicy(leaf, lax));
  // A vendor the policy does not know is refused.
  const TestKey other = MakeKey("example.org/other", 'o');
  ASSERT_OK_AND_ASSIGN(
      Policy other_only,
      ParsePolicy(absl::StrCat("log ", Log().vkey, "\nvendor ", other.vkey)));
  EXPECT_THAT(VerifyStatementUnderPolicy(leaf, other_only),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace vitrine::note
