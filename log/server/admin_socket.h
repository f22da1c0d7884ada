// The address of a Unix socket, whatever the length of its folder's path.
// A socket address holds at most 107 bytes of path (sun_path), which a data
// folder under a deep home or a test's temporary folder easily exceeds. So
// the folder is opened (O_PATH) and the socket named through it as
// /proc/self/fd/<fd>/<name>: bind and connect resolve that to the folder
// itself, and the socket file is created in it. The folder stays open for
// as long as this object lives, which must cover the bind (server) or every
// connect (client) gRPC makes.
//
//   VITRINE_ASSIGN_OR_RETURN(UnixSocketAddress address,
//                            UnixSocketAddress::For("/var/lib/vitrine/log/admin.sock"));
//   builder.AddListeningPort(address.grpc_target(), InsecureServerCredentials());
//
// Linux only (procfs). Thread-safety: immutable after For.
#ifndef VITRINE_LOG_SERVER_ADMIN_SOCKET_H_
#define VITRINE_LOG_SERVER_ADMIN_SOCKET_H_

#include <string>

#include "absl/status/statusor.h"

namespace vitrine::server {

class UnixSocketAddress {
 public:
  // Opens the folder of `socket_path`; NotFound when it does not exist,
  // InvalidArgument for a path without a file name.
  static absl::StatusOr<UnixSocketAddress> For(const std::string& socket_path);

  UnixSocketAddress(UnixSocketAddress&& other) noexcept;
  UnixSocketAddress& operator=(UnixSocketAddress&& other) noexcept;
  UnixSocketAddress(const UnixSocketAddress&) = delete;
  UnixSocketAddress& operator=(const UnixSocketAddress&) = delete;
  ~UnixSocketAddress();

  // "unix:/proc/self/fd/<fd>/<name>", for grpc::ServerBuilder and
  // grpc::CreateChannel.
  const std::string& grpc_target() const { return target_; }
  // The socket's path as given, for messages and chmod.
  const std::string& path() const { return path_; }

 private:
  UnixSocketAddress(int folder_fd, std::string path, std::string target);

  int folder_fd_ = -1;
  std::string path_;
  std::string target_;
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_ADMIN_SOCKET_H_
