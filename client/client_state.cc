#include "client/client_state.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/verifier.h"
#include "common/file.h"
#include "log/note/note.h"

namespace vitrine::client {
namespace {

constexpr absl::string_view kSuffix = ".checkpoint";
// A checkpoint note with a hundred cosignatures is about 10 KiB.
constexpr size_t kMaxStateFileSize = 1 << 20;

absl::StatusOr<std::vector<std::string>> ListFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "opendir " + dir);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (absl::EndsWith(name, kSuffix)) names.push_back(name);
  }
  ::closedir(d);
  return names;
}

}  // namespace

std::string StateFileName(absl::string_view origin) {
  std::string name;
  for (const char c : origin) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
        c == '_' || c == '-') {
      name.push_back(c);
    } else {
      absl::StrAppendFormat(&name, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  // "." and ".." cannot be origins; a leading dot would only hide the file.
  return absl::StrCat(name, kSuffix);
}

absl::StatusOr<std::unique_ptr<ClientState>> ClientState::Open(
    std::string dir) {
  if (dir.empty()) return absl::InvalidArgumentError("empty state folder");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, "mkdir " + dir);
  }
  std::unique_ptr<ClientState> state(new ClientState(dir));
  absl::StatusOr<std::vector<std::string>> names = ListFiles(dir);
  if (!names.ok()) return names.status();
  absl::MutexLock lock(&state->mu_);
  for (const std::string& name : *names) {
    const std::string path = absl::StrCat(dir, "/", name);
    absl::StatusOr<std::string> text =
        ReadSmallFile(path, kMaxStateFileSize);
    if (!text.ok()) {
      if (text.status().code() == absl::StatusCode::kNotFound) continue;
      return absl::DataLossError(
          absl::StrCat("client state ", path, ": ", text.status().message()));
    }
    absl::StatusOr<note::Note> parsed = note::ParseNote(*text);
    absl::StatusOr<note::Checkpoint> checkpoint =
        parsed.ok() ? note::ParseCheckpoint(parsed->text)
                    : absl::StatusOr<note::Checkpoint>(parsed.status());
    if (!checkpoint.ok()) {
      return absl::DataLossError(absl::StrCat(
          "client state ", path, ": ", checkpoint.status().message()));
    }
    if (StateFileName(checkpoint->origin) != name) {
      return absl::DataLossError(
          absl::StrCat("client state ", path, " holds a checkpoint of ",
                       checkpoint->origin));
    }
    const std::string origin = checkpoint->origin;
    state->entries_[origin] = Entry{*std::move(checkpoint), *std::move(text)};
  }
  return state;
}

std::optional<note::Checkpoint> ClientState::Get(
    absl::string_view origin) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(origin);
  if (it == entries_.end()) return std::nullopt;
  return it->second.checkpoint;
}

std::optional<std::string> ClientState::GetNote(
    absl::string_view origin) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(origin);
  if (it == entries_.end()) return std::nullopt;
  return it->second.note;
}

absl::Status ClientState::Check(const note::Checkpoint& checkpoint) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(checkpoint.origin);
  if (it == entries_.end()) return absl::OkStatus();
  return CheckNotBehind(checkpoint, it->second.checkpoint);
}

absl::Status ClientState::Update(const note::VerifiedCheckpoint& verified) {
  const note::Checkpoint& checkpoint = verified.checkpoint;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(checkpoint.origin);
  if (it != entries_.end()) {
    const absl::Status behind = CheckNotBehind(checkpoint, it->second.checkpoint);
    if (!behind.ok()) return behind;
    if (checkpoint.size == it->second.checkpoint.size) return absl::OkStatus();
  }
  Entry entry{checkpoint, note::FormatNote(verified.note.note)};
  // Written under the lock: two updates of one origin must reach the disk
  // in the order they reach memory.
  const absl::Status written = WriteFileAtomically(
      absl::StrCat(dir_, "/", StateFileName(checkpoint.origin)), entry.note,
      0600);
  if (!written.ok()) return written;
  entries_[checkpoint.origin] = std::move(entry);
  return absl::OkStatus();
}

}  // namespace vitrine::client
