// How RebuilderServer::Start settles the sandbox (rebuilder_server.h): the
// config's mode, bwrap's presence, and a one-line recipe that must build
// inside it on this host (user namespaces may be off, or bwrap may lack
// its setuid bit).
//
// Status codes: FailedPrecondition for sandbox=on where bwrap does not
// run; the probe's own trouble (its folder, its log) as RecipeRunner::Run.
// Thread-safe (one probe folder per data folder: not two at once there).
#ifndef VITRINE_REBUILDER_INTERNAL_SANDBOX_CHOICE_H_
#define VITRINE_REBUILDER_INTERNAL_SANDBOX_CHOICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "rebuilder/config.h"

namespace vitrine::rebuilder {

struct SandboxChoice {
  std::string bwrap;        // RecipeRunnerOptions::bwrap: empty for none
  std::string description;  // "bwrap (/usr/bin/bwrap)", "none (why)"
};

// Returns the sandbox recipes run in under `config`.
absl::StatusOr<SandboxChoice> ChooseSandbox(const RebuilderConfig& config);

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_INTERNAL_SANDBOX_CHOICE_H_
