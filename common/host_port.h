// "host:port" listen addresses, as the servers' configs write them.
//
//   VITRINE_ASSIGN_OR_RETURN(HostPort address, SplitHostPort("127.0.0.1:0"));
//
// Thread-safe.
#ifndef VITRINE_COMMON_HOST_PORT_H_
#define VITRINE_COMMON_HOST_PORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine {

struct HostPort {
  std::string host;  // without brackets for IPv6 ("::1")
  int port = 0;      // 0..65535; 0 asks the OS to pick one
};

// Splits at the last ':'; "[::1]:80" gives host "::1". InvalidArgument for
// a missing host or a port that is not a number in 0..65535.
absl::StatusOr<HostPort> SplitHostPort(absl::string_view address);

}  // namespace vitrine

#endif  // VITRINE_COMMON_HOST_PORT_H_
