// Fuzzes the checkpoint body codec (c2sp.org/tlog-checkpoint "Note text"):
//   - ParseCheckpoint never crashes, and any text it accepts formats back
//     to the same bytes: format(parse(text)) == text;
//   - a checkpoint built from the input's bytes that FormatCheckpoint
//     accepts parses back to itself: parse(format(x)) == x;
//   - OpenCheckpoint over the vectors' log key never crashes and accepts
//     only notes whose text parses as a checkpoint of the expected origin.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/internal/fuzz_keys.h"

namespace {

using vitrine::merkle::Hash;
using vitrine::merkle::kHashSize;
using vitrine::note::Checkpoint;
using vitrine::note::FormatCheckpoint;
using vitrine::note::OpenCheckpoint;
using vitrine::note::ParseCheckpoint;
using vitrine::note::internal::FuzzKeys;

void Check(bool condition) {
  if (!condition) std::abort();
}

// Reads a checkpoint from arbitrary bytes: an 8-byte size, a 32-byte root,
// then the origin and extension lines separated by '\n' (so the fuzzer also
// reaches the empty and control-character lines FormatCheckpoint refuses).
bool CheckpointFromBytes(absl::string_view bytes, Checkpoint* out) {
  if (bytes.size() < 8 + kHashSize) return false;
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size = (size << 8) | static_cast<uint8_t>(bytes[i]);
  out->size = size;
  out->root = *Hash::FromBytes(bytes.substr(8, kHashSize));
  std::vector<std::string> lines =
      absl::StrSplit(bytes.substr(8 + kHashSize), '\n');
  out->origin = lines[0];
  out->extensions.assign(lines.begin() + 1, lines.end());
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  if (absl::StatusOr<Checkpoint> parsed = ParseCheckpoint(input); parsed.ok()) {
    absl::StatusOr<std::string> text = FormatCheckpoint(*parsed);
    Check(text.ok() && *text == input);
  }

  Checkpoint built;
  if (CheckpointFromBytes(input, &built)) {
    if (absl::StatusOr<std::string> text = FormatCheckpoint(built); text.ok()) {
      absl::StatusOr<Checkpoint> back = ParseCheckpoint(*text);
      Check(back.ok() && *back == built);
    }
  }

  if (auto opened = OpenCheckpoint(input, FuzzKeys().origin, FuzzKeys().log);
      opened.ok()) {
    Check(opened->checkpoint.origin == FuzzKeys().origin);
    absl::StatusOr<std::string> text = FormatCheckpoint(opened->checkpoint);
    Check(text.ok() && *text == opened->note.note.text);
  }
  return 0;
}
