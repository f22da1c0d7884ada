// How the servers' main() waits: SIGTERM and SIGINT stop the server
// cleanly, SIGHUP asks it to reread a file, and no other thread ever sees
// these signals (they are blocked before any thread starts, and threads
// inherit the mask), so handlers never run in the middle of a request.
//
//   ServerSignals signals;                        // before starting threads
//   ... start the server ...
//   const char* why = signals.WaitForStop([&] { server->Reload(); });
//   server->Shutdown();
//
// Not thread-safe: construct and wait on the main thread.
#ifndef VITRINE_COMMON_SERVER_SIGNALS_H_
#define VITRINE_COMMON_SERVER_SIGNALS_H_

#include <signal.h>

#include <functional>

namespace vitrine {

class ServerSignals {
 public:
  // Blocks SIGTERM, SIGINT and SIGHUP in the calling thread.
  ServerSignals();

  // Waits for SIGTERM or SIGINT and returns its name; each SIGHUP before
  // that calls `on_reload` (on this thread) and waits again.
  const char* WaitForStop(const std::function<void()>& on_reload);

 private:
  sigset_t signals_;
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_SERVER_SIGNALS_H_
