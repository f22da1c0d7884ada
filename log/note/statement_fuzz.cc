// Fuzzes release statements (statement.h):
//   - ParseStatement never crashes, and whatever it accepts formats back to
//     the exact input (one spelling per statement);
//   - VerifyStatement, reading the input as a whole signed note against a
//     fixed vendor and supervisor, never crashes, and what it accepts is
//     within 16 KiB, re-formats to the input and names the vendor that
//     signed it;
//   - what the log admits (statement_admission.h: screened, then verified)
//     an endpoint accepts too, with the same vendor; it has at most 9
//     lines, no key twice, and its identity is SHA-256 of its text.
//   - rebuild statements (rebuild_statement.h) likewise: what parses formats
//     back exactly; what the log admits (one line, by the rebuilder) an
//     endpoint verifies, with the same rebuilder.
// The corpus's signed seeds (testdata/statement_corpus/signed-*) were made
// with the keys below: seed 32 x 'a' for vendor example.com/acme,
// 32 x 'b' for supervisor builds.example.net and 32 x 'r' for rebuilder
// rebuild.example.org.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/note/statement_admission.h"

namespace {

using vitrine::note::FormatNote;
using vitrine::note::FormatStatement;
using vitrine::note::ParseStatement;
using vitrine::note::SignatureType;
using vitrine::note::VerifiedStatement;
using vitrine::note::VerifierSet;

void Check(bool condition) {
  if (!condition) std::abort();
}

VerifierSet MakeSet(absl::string_view name, char seed_byte) {
  const std::string skey =
      vitrine::note::FormatSignerKey(name, SignatureType::kEd25519,
                                     std::string(32, seed_byte))
          .value();
  VerifierSet set;
  Check(set.Add(vitrine::note::NewVerifier(
                    vitrine::note::VerifierKeyOf(skey).value())
                    .value())
            .ok());
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const VerifierSet* vendors =
      new VerifierSet(MakeSet("example.com/acme", 'a'));
  static const VerifierSet* supervisors =
      new VerifierSet(MakeSet("builds.example.net", 'b'));
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto statement = ParseStatement(input); statement.ok()) {
    auto text = FormatStatement(*statement);
    Check(text.ok() && *text == input);
  }

  auto verified = vitrine::note::VerifyStatement(input, *vendors, *supervisors);
  if (verified.ok()) {
    Check(input.size() <= vitrine::note::kMaxStatementNoteSize);
    Check(FormatNote(verified->note) == input);
    Check(verified->vendor_signature.name == verified->statement.vendor);
    Check(verified->further.size() + 1 == verified->note.signatures.size());
    Check(verified->supervisors.size() <= verified->further.size());
  }

  auto screened = vitrine::note::ScreenStatement(input, *vendors, *supervisors);
  if (screened.ok() &&
      vitrine::note::VerifyScreened(*screened, *vendors, *supervisors).ok()) {
    Check(verified.ok());
    Check(verified->statement.vendor == screened->statement.vendor);
    Check(screened->note.signatures.size() <= 9);
    std::set<std::pair<std::string, uint32_t>> keys;
    for (const auto& s : screened->note.signatures) {
      Check(keys.emplace(s.name, s.key_id).second);
    }
    Check(screened->id == vitrine::merkle::Sha256(screened->note.text));
  }

  static const VerifierSet* rebuilders =
      new VerifierSet(MakeSet("rebuild.example.org", 'r'));
  if (auto rebuild = vitrine::note::ParseRebuildStatement(input); rebuild.ok()) {
    auto text = vitrine::note::FormatRebuildStatement(*rebuild);
    Check(text.ok() && *text == input);
    Check(vitrine::note::IsRebuildStatementText(input));
  }
  auto rebuild_verified =
      vitrine::note::VerifyRebuildStatement(input, *rebuilders);
  auto rebuild_screened =
      vitrine::note::ScreenRebuildStatement(input, *rebuilders);
  if (rebuild_screened.ok() &&
      vitrine::note::VerifyScreenedRebuild(*rebuild_screened, *rebuilders)
          .ok()) {
    Check(rebuild_verified.ok());
    Check(rebuild_verified->statement == rebuild_screened->statement);
    Check(rebuild_screened->note.signatures.size() == 1);
    Check(rebuild_verified->rebuilder_signature.name ==
          rebuild_screened->statement.rebuilder);
  }
  return 0;
}
