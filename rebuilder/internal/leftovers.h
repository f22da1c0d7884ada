// Processes a crashed rebuilder left behind. Without bubblewrap (whose
// --die-with-parent ends the sandbox with the daemon), a recipe runs in a
// session of its own and outlives a rebuilder killed with SIGKILL. When the
// restarted rebuilder builds that release again, in the same job folder,
// the old build would go on writing into the new one's output - and a
// wrong digest would be signed and logged for everyone to see. So before a
// job folder is reused, every process still working for it is killed.
//
//   KillLeftovers("/data/work/41/output");   // before emptying the folder
//
// A process works for the job when its environment holds
// VITRINE_OUTPUT=<that output folder>, exactly as the runner set it: a
// mark no unrelated process carries (process ids are reused, environments
// are not), inherited by whatever the recipe starts unless the recipe
// clears its environment. Read from /proc/<pid>/environ, which needs the
// daemon's own user (or root).
//
// Thread-safe (no state); scans /proc, a few ms.
#ifndef VITRINE_REBUILDER_INTERNAL_LEFTOVERS_H_
#define VITRINE_REBUILDER_INTERNAL_LEFTOVERS_H_

#include <string>

#include "absl/time/time.h"

namespace vitrine::rebuilder::internal {

// Sends SIGKILL to every process whose environment marks it as working for
// `output` and waits, up to `patience`, until none is left; returns how
// many it killed.
int KillLeftovers(const std::string& output,
                  absl::Duration patience = absl::Seconds(5));

}  // namespace vitrine::rebuilder::internal

#endif  // VITRINE_REBUILDER_INTERNAL_LEFTOVERS_H_
