// The optional sandbox around build recipes: bubblewrap (`bwrap`, Debian's
// `bubblewrap` package). A recipe builds a vendor's source, which is code
// the rebuilder's operator did not write; inside bwrap it sees the system
// read-only, its own job folder writable, private /tmp, /proc and /dev, and
// nothing else of the host (no other process, no IPC, no network unless
// asked for: sources are usually fetched by the recipe, so the daemon's
// default keeps it).
//
//   std::optional<std::string> bwrap = FindBwrap();
//   std::vector<std::string> argv = BwrapArgv(*bwrap, "/data/work/41",
//                                             "/data/work/41/build",
//                                             /*network=*/true);
//   argv.insert(argv.end(), {"/bin/sh", "-c", recipe});
//
// What the sandbox gives, in bwrap's words: --unshare-all (user, pid, ipc,
// uts, cgroup and network namespaces) and --share-net when network is
// wanted; --die-with-parent (the sandbox dies with the rebuilder);
// read-only binds of /usr and /etc, and of /bin, /sbin, /lib, /lib32,
// /lib64, /libx32 - or the same symbolic links as the host where those are
// links into /usr (Debian's merged /usr); a tmpfs on /tmp; the operator's
// extra read-only folders (a source mirror: file:// sources elsewhere on
// the host are out of sight inside); the job folder
// bound read-write at its own path, so paths the recipe prints mean the
// same outside; the working directory.
//
// Without bwrap the recipe still runs in its own process group, clean
// environment and job folder (recipe_runner.h), with the daemon's rights:
// run the daemon as a dedicated user then.
//
// Thread-safe (pure functions, and stat calls on the host's root).
#ifndef VITRINE_REBUILDER_SANDBOX_H_
#define VITRINE_REBUILDER_SANDBOX_H_

#include <optional>
#include <string>
#include <vector>

namespace vitrine::rebuilder {

// Returns the path of an executable bwrap in /usr/bin or /bin, or nullopt.
// Fixed places rather than $PATH: the daemon's PATH is the operator's
// shell's, and the sandbox binary is security-relevant.
std::optional<std::string> FindBwrap();

// Returns bwrap's argv (bwrap first) up to, not including, the command to
// run inside: the binds above, each of `read_only` (the operator's extra
// folders, e.g. a local mirror of the sources) bound read-only at its own
// path, `job_dir` writable, `cwd` (inside job_dir) as the working
// directory.
std::vector<std::string> BwrapArgv(const std::string& bwrap, const std::string& job_dir,
                                   const std::string& cwd, bool network,
                                   const std::vector<std::string>& read_only = {});

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_SANDBOX_H_
