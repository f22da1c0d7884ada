#include "bench/internal/tile_load.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/internal/child_process.h"
#include "bench/internal/http_loops.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/load_report.h"
#include "log/merkle/entry_bundle.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_hash_reader.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/note.h"

namespace vitrine::bench {
namespace {

// One keep-alive connection's closed loop.
struct Connection {
  std::unique_ptr<HttpClientConnection> tcp;  // owns the socket
  size_t next_path = 0;
  std::string request;
  size_t sent = 0;
  std::string buffer;
  std::string path;  // of the request in flight
  absl::Time sent_at;
  bool waiting = false;
  uint64_t opened = 0;  // times reopened: tells a handler its socket changed
};

// The connections [first, first + count) served by one epoll thread.
class Worker {
 public:
  Worker(const TileLoadOptions& options, std::vector<Connection>* connections, size_t first,
         size_t count)
      : options_(options), connections_(connections), first_(first), count_(count) {}

  void Run(absl::Time end) {
    end_ = end;
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = first_; i < first_ + count_; ++i) {
      Watch(i);
      Send(i);
    }
    epoll_event events[256];
    absl::Time next_scan = absl::Now();
    for (;;) {
      const absl::Time now = absl::Now();
      if (now >= end_) break;
      const int wait_ms = static_cast<int>(
          std::clamp<int64_t>(absl::ToInt64Milliseconds(end_ - now), 0, 100));
      const int n = epoll_wait(epoll_, events, 256, wait_ms);
      for (int k = 0; k < n; ++k) {
        const size_t i = events[k].data.u64;
        if (events[k].events & EPOLLOUT) Send(i);
        if (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Receive(i);
      }
      if (absl::Now() >= next_scan) {  // deadlines, ten times a second
        next_scan = absl::Now() + absl::Milliseconds(100);
        for (size_t i = first_; i < first_ + count_; ++i) {
          Connection& c = (*connections_)[i];
          if (c.waiting && absl::Now() - c.sent_at > options_.timeout) Fail(i, "timeout");
        }
      }
    }
    close(epoll_);
  }

  TileLoadResult& result() { return result_; }

 private:
  void Watch(size_t i) {
    Connection& c = (*connections_)[i];
    fcntl(c.tcp->fd(), F_SETFL, fcntl(c.tcp->fd(), F_GETFL) | O_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.tcp->fd(), &event);
  }

  // Starts the next request, or goes on writing the one in flight.
  void Send(size_t i) {
    Connection& c = (*connections_)[i];
    if (!c.waiting) {
      c.path = options_.paths[c.next_path];
      c.next_path = (c.next_path + 1) % options_.paths.size();
      c.request = HttpGet(c.path);
      c.sent = 0;
      c.waiting = true;
      c.sent_at = absl::Now();
    }
    while (c.sent < c.request.size()) {
      const ssize_t n = send(c.tcp->fd(), c.request.data() + c.sent, c.request.size() - c.sent,
                             MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) return Fail(i, "Unavailable: send");
      c.sent += static_cast<size_t>(n);
    }
    epoll_event event{};
    event.events = EPOLLIN;
    if (c.sent < c.request.size()) event.events |= EPOLLOUT;
    event.data.u64 = i;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.tcp->fd(), &event);
  }

  void Receive(size_t i) {
    Connection& c = (*connections_)[i];
    char chunk[65536];
    bool closed = false;
    for (;;) {
      const ssize_t n = recv(c.tcp->fd(), chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) {
        closed = true;
        break;
      }
      c.buffer.append(chunk, static_cast<size_t>(n));
    }
    const uint64_t opened = c.opened;
    while (!c.buffer.empty()) {
      absl::StatusOr<ParsedAnswer> parsed = ParseHttpAnswer(c.buffer, /*head=*/false);
      if (!parsed.ok()) return Fail(i, parsed.status().ToString());
      if (parsed->consumed == 0) break;
      c.buffer.erase(0, parsed->consumed);
      Answered(i, parsed->answer);
      if (c.opened != opened) return;  // reopened, its next request sent
    }
    if (closed) Fail(i, c.waiting ? "Unavailable: closed before the answer" : "");
  }

  void Answered(size_t i, HttpAnswer& answer) {
    Connection& c = (*connections_)[i];
    c.waiting = false;
    const absl::Time now = absl::Now();
    if (now <= end_) {
      if (answer.status == 200 && !answer.body.empty()) {
        ++result_.answered_ok;
        result_.bytes += answer.body.size();
        result_.latencies_ms.push_back(absl::ToDoubleMilliseconds(now - c.sent_at));
        if (options_.sample_every > 0 && result_.answered_ok % options_.sample_every == 0) {
          result_.samples.emplace_back(c.path, std::move(answer.body));
        }
      } else {
        ++result_.errors[absl::StrCat("status ", answer.status)];
      }
    }
    const std::string* connection = answer.Header("connection");
    if (connection != nullptr && absl::AsciiStrToLower(*connection) == "close") {
      Reopen(i, /*count=*/true);
      return;
    }
    Send(i);
  }

  // Counts `why` (unless empty: a close between requests) and reopens.
  void Fail(size_t i, const std::string& why) {
    if (!why.empty() && absl::Now() <= end_) ++result_.errors[why];
    Reopen(i, /*count=*/why.empty());
  }

  void Reopen(size_t i, bool count) {
    Connection& c = (*connections_)[i];
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.tcp->fd(), nullptr);
    c.tcp.reset();
    c.buffer.clear();
    ++c.opened;
    c.waiting = false;
    if (count) ++result_.reconnects;
    absl::StatusOr<std::unique_ptr<HttpClientConnection>> made =
        HttpClientConnection::Connect(options_.port);
    if (!made.ok()) {
      ++result_.errors[made.status().ToString()];
      absl::SleepFor(absl::Milliseconds(10));
      made = HttpClientConnection::Connect(options_.port);
      if (!made.ok()) return;  // this loop ends here
    }
    c.tcp = *std::move(made);
    Watch(i);
    Send(i);
  }

  const TileLoadOptions& options_;
  std::vector<Connection>* connections_;
  const size_t first_, count_;
  absl::Time end_;
  int epoll_ = -1;
  TileLoadResult result_;
};

// Tiles from one map, the rest fetched over HTTP: the tile under check
// comes from its sample, the tiles above it from the server.
class SampleTileReader : public merkle::TileReader {
 public:
  SampleTileReader(int port, std::map<std::string, std::string>* fetched)
      : port_(port), fetched_(fetched) {}

  void Override(std::string path, std::string body) {
    override_path_ = std::move(path);
    override_body_ = std::move(body);
  }

  absl::StatusOr<std::vector<std::string>> ReadTiles(
      absl::Span<const merkle::TileId> tiles) override {
    std::vector<std::string> out;
    for (const merkle::TileId& tile : tiles) {
      const std::string path = "/" + merkle::TilePath(tile);
      if (path == override_path_) {
        out.push_back(override_body_);
        continue;
      }
      auto it = fetched_->find(path);
      if (it == fetched_->end()) {
        absl::StatusOr<std::string> body = Get(path);
        if (!body.ok()) return body.status();
        it = fetched_->emplace(path, *std::move(body)).first;
      }
      out.push_back(it->second);
    }
    return out;
  }

 private:
  absl::StatusOr<std::string> Get(const std::string& path) {
    absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = HttpClientConnection::Connect(port_);
    if (!c.ok()) return c.status();
    if (absl::Status sent = (*c)->Send(HttpGet(path)); !sent.ok()) return sent;
    absl::StatusOr<HttpAnswer> answer = (*c)->Read(absl::Seconds(10));
    if (!answer.ok()) return answer.status();
    if (answer->status != 200) {
      return absl::UnavailableError(absl::StrCat(path, ": status ", answer->status));
    }
    return std::move(answer->body);
  }

  const int port_;
  std::map<std::string, std::string>* fetched_;
  std::string override_path_, override_body_;
};

absl::Status CheckOne(int port, const VerifiedTree& tree, const std::string& path,
                      const std::string& body, std::map<std::string, std::string>* fetched) {
  SampleTileReader tiles(port, fetched);
  merkle::TileHashReader reader(tree.size, tree.root, &tiles);
  absl::string_view relative(path);
  relative.remove_prefix(1);
  if (absl::StatusOr<merkle::TileId> bundle = merkle::ParseEntryBundlePath(relative);
      bundle.ok()) {
    absl::StatusOr<std::vector<std::string>> entries =
        merkle::DecodeEntryBundle(body, bundle->width);
    if (!entries.ok()) return entries.status();
    std::vector<merkle::NodeId> leaves;
    for (uint64_t k = 0; k < bundle->width; ++k) {
      leaves.push_back({0, bundle->index * merkle::kTileWidth + k});
    }
    absl::StatusOr<std::vector<merkle::Hash>> hashes = reader.ReadHashes(leaves);
    if (!hashes.ok()) return hashes.status();
    for (size_t k = 0; k < entries->size(); ++k) {
      if ((*hashes)[k] != merkle::HashLeaf((*entries)[k])) {
        return absl::DataLossError(absl::StrCat("entry ", k, " is not the tree's leaf"));
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<merkle::TileId> tile = merkle::ParseTilePath(relative);
  if (!tile.ok()) return tile.status();
  tiles.Override(path, body);
  std::vector<merkle::NodeId> nodes;
  for (uint64_t k = 0; k < tile->width; ++k) {
    nodes.push_back({static_cast<uint8_t>(tile->level * merkle::kTileHeight),
                     tile->index * merkle::kTileWidth + k});
  }
  return reader.ReadHashes(nodes).status();
}

}  // namespace

TileLoadResult RunTileLoad(const TileLoadOptions& options) {
  TileLoadResult total;
  if (options.paths.empty() || options.connections <= 0) return total;
  std::vector<Connection> connections(static_cast<size_t>(options.connections));
  for (size_t i = 0; i < connections.size(); ++i) {
    absl::StatusOr<std::unique_ptr<HttpClientConnection>> made =
        HttpClientConnection::Connect(options.port);
    if (!made.ok()) {
      ++total.errors[made.status().ToString()];
      return total;
    }
    connections[i].tcp = *std::move(made);
    connections[i].next_path = i * options.paths.size() / connections.size();
  }
  const size_t threads = static_cast<size_t>(std::clamp(options.threads, 1, options.connections));
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t t = 0; t < threads; ++t) {
    const size_t first = t * connections.size() / threads;
    const size_t last = (t + 1) * connections.size() / threads;
    workers.push_back(std::make_unique<Worker>(options, &connections, first, last - first));
  }
  const double cpu_before = CpuSecondsOf(getpid());
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + options.duration;
  std::vector<std::thread> running;
  for (auto& worker : workers) running.emplace_back([&worker, end] { worker->Run(end); });
  for (std::thread& thread : running) thread.join();
  total.seconds = absl::ToDoubleSeconds(end - begin);
  total.client_cpu_seconds = CpuSecondsOf(getpid()) - cpu_before;
  for (auto& worker : workers) {
    TileLoadResult& part = worker->result();
    total.answered_ok += part.answered_ok;
    total.bytes += part.bytes;
    total.reconnects += part.reconnects;
    for (const auto& [why, count] : part.errors) total.errors[why] += count;
    total.latencies_ms.insert(total.latencies_ms.end(), part.latencies_ms.begin(),
                              part.latencies_ms.end());
    for (auto& sample : part.samples) total.samples.push_back(std::move(sample));
  }
  return total;
}

absl::StatusOr<VerifiedTree> FetchVerifiedTree(int port, const std::string& log_key,
                                               const std::string& origin) {
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = HttpClientConnection::Connect(port);
  if (!c.ok()) return c.status();
  if (absl::Status sent = (*c)->Send(HttpGet("/checkpoint")); !sent.ok()) return sent;
  absl::StatusOr<HttpAnswer> answer = (*c)->Read(absl::Seconds(10));
  if (!answer.ok()) return answer.status();
  if (answer->status != 200) {
    return absl::UnavailableError(absl::StrCat("/checkpoint: status ", answer->status));
  }
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier = note::NewVerifier(log_key);
  if (!verifier.ok()) return verifier.status();
  note::VerifierSet keys;
  if (absl::Status added = keys.Add(*std::move(verifier)); !added.ok()) return added;
  absl::StatusOr<note::VerifiedCheckpoint> opened =
      note::OpenCheckpoint(answer->body, origin, keys);
  if (!opened.ok()) return opened.status();
  return VerifiedTree{answer->body, opened->checkpoint.size, opened->checkpoint.root};
}

std::vector<std::string> ImmutableTilePaths(uint64_t size) {
  std::vector<std::string> paths;
  std::vector<std::string> higher;
  for (const merkle::TileId& tile : merkle::TilesForSize(size)) {
    if (!tile.full()) continue;
    if (tile.level == 0) {
      paths.push_back("/" + merkle::EntryBundlePath(tile));
      paths.push_back("/" + merkle::TilePath(tile));
    } else {
      higher.push_back("/" + merkle::TilePath(tile));
    }
  }
  paths.insert(paths.end(), higher.begin(), higher.end());
  return paths;
}

TileCheck CheckTileSamples(int port, const VerifiedTree& tree,
                           const std::vector<std::pair<std::string, std::string>>& samples) {
  TileCheck check;
  std::map<std::string, std::string> fetched;  // tiles above, shared by the samples
  for (const auto& [path, body] : samples) {
    absl::Status checked = CheckOne(port, tree, path, body, &fetched);
    if (checked.ok()) {
      ++check.verified;
    } else {
      check.failures.push_back(absl::StrCat(path, ": ", checked.ToString()));
    }
  }
  return check;
}

std::string DescribeTileLoad(TileLoadResult& load, const TileCheck& check) {
  const LatencySummary latency = Summarize(load.latencies_ms);
  const double seconds = load.seconds > 0 ? load.seconds : 1;
  return absl::StrFormat(
      "%.0f GETs/s (%.0f MB/s), p50 %.2f ms, p99 %.2f ms, %llu/%zu samples verified, "
      "errors: %s, reconnects %llu, client CPU %.2f cores",
      static_cast<double>(load.answered_ok) / seconds, static_cast<double>(load.bytes) / seconds / 1e6,
      latency.p50_ms, latency.p99_ms, static_cast<unsigned long long>(check.verified),
      load.samples.size(), FormatErrors(load.errors),
      static_cast<unsigned long long>(load.reconnects), load.client_cpu_seconds / seconds);
}

}  // namespace vitrine::bench
