#include "log/note/policy.h"

#include <map>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "log/note/internal/utf8.h"
#include "log/note/keys.h"

namespace vitrine::note {
namespace {

constexpr absl::string_view kLog = "log";
constexpr absl::string_view kWitness = "witness";
constexpr absl::string_view kWitnessQuorum = "witness-quorum";
constexpr absl::string_view kVendor = "vendor";
constexpr absl::string_view kSupervisor = "supervisor";
constexpr absl::string_view kSupervisorQuorum = "supervisor-quorum";
constexpr absl::string_view kRebuilder = "rebuilder";
constexpr absl::string_view kRebuildQuorum = "rebuild-quorum";

// Far above any real quorum; keeps the parse free of overflow questions.
constexpr size_t kMaxQuorumDigits = 6;

std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, 40)),
                      text.size() > 40 ? "..." : "", "\"");
}

absl::Status LineError(size_t line, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("policy line ", line, ": ", message));
}

// Checks the characters of one line (without its newline).
absl::Status CheckCharacters(absl::string_view line) {
  for (size_t i = 0; i < line.size();) {
    char32_t c;
    const size_t n = internal::DecodeUtf8(line.substr(i), &c);
    if (n == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not valid UTF-8 at byte ", i));
    }
    if (c == '\r') {
      return absl::InvalidArgumentError(
          "carriage return (CRLF line endings are not allowed)");
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "control character U+%04X at byte %d", static_cast<uint32_t>(c), i));
    }
    i += n;
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> ParseQuorum(absl::string_view value) {
  if (value.empty() || value.size() > kMaxQuorumDigits ||
      value.find_first_not_of("0123456789") != value.npos ||
      (value.size() > 1 && value[0] == '0')) {
    return absl::InvalidArgumentError(absl::StrCat(
        Quote(value), " is not a small decimal number without leading zeros"));
  }
  size_t k = 0;
  for (char c : value) k = k * 10 + static_cast<size_t>(c - '0');
  return k;
}

}  // namespace

// Builds a Policy line by line, remembering where each thing was declared
// so that whole-file checks can still name a line.
class PolicyParser {
 public:
  absl::StatusOr<Policy> Parse(absl::string_view text) {
    size_t number = 0;
    for (absl::string_view rest = text; !rest.empty();) {
      ++number;
      const size_t end = rest.find('\n');
      const absl::string_view line = rest.substr(0, end);
      rest.remove_prefix(end == rest.npos ? rest.size() : end + 1);
      absl::Status ok = CheckCharacters(line);
      if (!ok.ok()) return LineError(number, ok.message());
      if (line.empty() || line[0] == '#') continue;
      VITRINE_RETURN_IF_ERROR(ParseDirective(line, number));
    }
    return Finish();
  }

 private:
  // What the whole-file checks need to know about a quorum or role.
  struct Quorum {
    size_t value = 0;
    size_t line = 0;  // 0: absent.
  };
  struct Names {
    std::map<std::string, size_t> first_line;  // Distinct name -> line.
    size_t first = 0;  // Line of the first key; 0: none.
  };

  absl::Status ParseDirective(absl::string_view line, size_t number) {
    if (line[0] == ' ') return LineError(number, "starts with a space");
    const size_t space = line.find(' ');
    const absl::string_view directive = line.substr(0, space);
    if (RoleFor(directive) == nullptr && QuorumFor(directive) == nullptr) {
      return LineError(number,
                       absl::StrCat("unknown directive ", Quote(directive)));
    }
    if (space == line.npos || space + 1 == line.size()) {
      return LineError(number, absl::StrCat(directive, " has no value"));
    }
    const absl::string_view value = line.substr(space + 1);
    if (value.find(' ') != value.npos) {
      return LineError(
          number,
          absl::StrCat(directive,
                       ": value holds a space (exactly one space follows the "
                       "directive, and values have none)"));
    }
    if (Policy::Role* role = RoleFor(directive)) {
      return AddKey(number, directive, value, *role, NamesFor(directive));
    }
    return SetQuorum(number, directive, value, *QuorumFor(directive));
  }

  absl::Status SetQuorum(size_t number, absl::string_view directive,
                         absl::string_view value, Quorum& quorum) {
    if (quorum.line != 0) {
      return LineError(number,
                       absl::StrCat("duplicate ", directive, " (first on line ",
                                    quorum.line, ")"));
    }
    absl::StatusOr<size_t> k = ParseQuorum(value);
    if (!k.ok()) {
      return LineError(number,
                       absl::StrCat(directive, ": ", k.status().message()));
    }
    quorum = Quorum{*k, number};
    return absl::OkStatus();
  }

  // The key list a key directive adds to; null for any other directive.
  Policy::Role* RoleFor(absl::string_view directive) {
    if (directive == kLog) return &policy_.logs_;
    if (directive == kWitness) return &policy_.witnesses_;
    if (directive == kVendor) return &policy_.vendors_;
    if (directive == kSupervisor) return &policy_.supervisors_;
    if (directive == kRebuilder) return &policy_.rebuilders_;
    return nullptr;
  }

  // The names seen so far for a key directive (RoleFor not null).
  Names& NamesFor(absl::string_view directive) {
    if (directive == kLog) return logs_;
    if (directive == kWitness) return witnesses_;
    if (directive == kVendor) return vendors_;
    if (directive == kSupervisor) return supervisors_;
    return rebuilders_;
  }

  // The quorum a quorum directive sets; null for any other directive.
  Quorum* QuorumFor(absl::string_view directive) {
    if (directive == kWitnessQuorum) return &witness_quorum_;
    if (directive == kSupervisorQuorum) return &supervisor_quorum_;
    if (directive == kRebuildQuorum) return &rebuild_quorum_;
    return nullptr;
  }

  // Refuses a key of `role` (supervisor, rebuilder) named like a vendor:
  // an independent check by the vendor itself would be no check at all.
  absl::Status CheckNotAVendor(const Names& names, absl::string_view role,
                               absl::string_view why) const {
    for (const auto& [name, line] : names.first_line) {
      auto vendor = vendors_.first_line.find(name);
      if (vendor != vendors_.first_line.end()) {
        return LineError(line, absl::StrCat(role, " ", name,
                                            " is also a vendor (line ",
                                            vendor->second, "); ", why));
      }
    }
    return absl::OkStatus();
  }

  absl::Status AddKey(size_t number, absl::string_view directive,
                      absl::string_view vkey, Policy::Role& role,
                      Names& names) {
    absl::StatusOr<VerifierKey> key = ParseVerifierKey(vkey);
    if (!key.ok()) {
      return LineError(number,
                       absl::StrCat(directive, ": ", key.status().message()));
    }
    const SignatureType want = directive == kWitness
                                   ? SignatureType::kCosignatureV1
                                   : SignatureType::kEd25519;
    if (key->type != want) {
      return LineError(
          number,
          absl::StrFormat("%s key %s is of type 0x%02x, not 0x%02x", directive,
                          key->name, static_cast<int>(key->type),
                          static_cast<int>(want)));
    }
    auto [it, inserted] = vkey_lines_.emplace(std::string(vkey), number);
    if (!inserted) {
      return LineError(
          number, absl::StrCat("duplicate key ", key->name, " (first on line ",
                               it->second, ")"));
    }
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Verifier> verifier,
                             NewVerifier(vkey));
    absl::Status added = role.keys.Add(std::move(verifier));
    if (!added.ok()) return LineError(number, added.message());
    role.vkeys.emplace_back(vkey);
    names.first_line.emplace(key->name, number);
    if (names.first == 0) names.first = number;
    return absl::OkStatus();
  }

  // Checks a quorum against its role; `role` names the keys ("witness").
  static absl::Status CheckQuorum(const Quorum& quorum, const Names& names,
                                  absl::string_view role,
                                  absl::string_view directive) {
    if (names.first != 0 && quorum.line == 0) {
      return LineError(names.first,
                       absl::StrCat(role, " listed but the policy has no ",
                                    directive, " line"));
    }
    if (quorum.value > names.first_line.size()) {
      return LineError(quorum.line,
                       absl::StrCat(directive, " ", quorum.value,
                                    " exceeds the ", names.first_line.size(),
                                    " distinct ", role, " names listed"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Policy> Finish() {
    if (logs_.first == 0) {
      return absl::InvalidArgumentError(
          "policy: no log line (at least one log key is required)");
    }
    if (vendors_.first == 0) {
      return absl::InvalidArgumentError(
          "policy: no vendor line (at least one vendor key is required)");
    }
    VITRINE_RETURN_IF_ERROR(
        CheckQuorum(witness_quorum_, witnesses_, kWitness, kWitnessQuorum));
    VITRINE_RETURN_IF_ERROR(CheckQuorum(supervisor_quorum_, supervisors_,
                                        kSupervisor, kSupervisorQuorum));
    VITRINE_RETURN_IF_ERROR(CheckQuorum(rebuild_quorum_, rebuilders_,
                                        kRebuilder, kRebuildQuorum));
    VITRINE_RETURN_IF_ERROR(CheckNotAVendor(
        supervisors_, kSupervisor, "a vendor cannot supervise itself"));
    VITRINE_RETURN_IF_ERROR(
        CheckNotAVendor(rebuilders_, kRebuilder,
                        "a vendor cannot vouch for its own build"));
    policy_.witness_quorum_ = witness_quorum_.value;
    policy_.supervisor_quorum_ = supervisor_quorum_.value;
    policy_.rebuild_quorum_ = rebuild_quorum_.value;
    return std::move(policy_);
  }

  Policy policy_;
  std::map<std::string, size_t> vkey_lines_;
  Names logs_, witnesses_, vendors_, supervisors_, rebuilders_;
  Quorum witness_quorum_, supervisor_quorum_, rebuild_quorum_;
};

absl::StatusOr<Policy> ParsePolicy(absl::string_view text) {
  return PolicyParser().Parse(text);
}

std::string FormatPolicy(const Policy& policy) {
  std::string out;
  for (const std::string& vkey : policy.log_vkeys()) {
    absl::StrAppend(&out, kLog, " ", vkey, "\n");
  }
  for (const std::string& vkey : policy.witness_vkeys()) {
    absl::StrAppend(&out, kWitness, " ", vkey, "\n");
  }
  if (!policy.witness_vkeys().empty()) {
    absl::StrAppend(&out, kWitnessQuorum, " ", policy.witness_quorum(), "\n");
  }
  for (const std::string& vkey : policy.vendor_vkeys()) {
    absl::StrAppend(&out, kVendor, " ", vkey, "\n");
  }
  for (const std::string& vkey : policy.supervisor_vkeys()) {
    absl::StrAppend(&out, kSupervisor, " ", vkey, "\n");
  }
  if (!policy.supervisor_vkeys().empty()) {
    absl::StrAppend(&out, kSupervisorQuorum, " ", policy.supervisor_quorum(),
                    "\n");
  }
  for (const std::string& vkey : policy.rebuilder_vkeys()) {
    absl::StrAppend(&out, kRebuilder, " ", vkey, "\n");
  }
  if (!policy.rebuilder_vkeys().empty()) {
    absl::StrAppend(&out, kRebuildQuorum, " ", policy.rebuild_quorum(), "\n");
  }
  return out;
}

absl::StatusOr<VerifiedStatement> VerifyStatementUnderPolicy(
    absl::string_view signed_statement, const Policy& policy) {
  VITRINE_ASSIGN_OR_RETURN(
      VerifiedStatement verified,
      VerifyStatement(signed_statement, policy.vendor_keys(),
                      policy.supervisor_keys()));
  if (verified.supervisors.size() < policy.supervisor_quorum()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "statement has valid signatures from ", verified.supervisors.size(),
        " of the ", policy.supervisor_quorum(),
        " supervisors the policy requires"));
  }
  return verified;
}

}  // namespace vitrine::note
