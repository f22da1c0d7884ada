#include "common/server_signals.h"

#include <pthread.h>

namespace vitrine {

ServerSignals::ServerSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

const char* ServerSignals::WaitForStop(const std::function<void()>& on_reload) {
  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals_, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      if (on_reload) on_reload();
      continue;
    }
    return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
  }
}

}  // namespace vitrine
