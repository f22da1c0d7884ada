// Bundles on disk (DESIGN.md format 7): a vitrine.v1.Bundle in its proto3
// JSON form, in a file named `<artifact>.vitrine.json` next to the artifact.
//
//   {
//     "statement": "dml0cmluZS9yZWxlYXNlL3Yx...",   // base64 of the note
//     "leafIndex": "42",                            // uint64 as a string
//     "checkpoint": "example.com/log\n43\n...",
//     "inclusionProof": ["q83v...", "..."],
//     "rebuilds": [                                 // absent when none
//       {"statement": "dml0cmluZS9yZWJ1aWxkL3Yx...", "leafIndex": "40",
//        "inclusionProof": ["..."]}
//     ]
//   }
//
//   VITRINE_RETURN_IF_ERROR(WriteBundleFile(BundlePathFor("tool.tar.gz"),
//                                           bundle));
//   VITRINE_ASSIGN_OR_RETURN(v1::Bundle read,
//                            ReadBundleFile("tool.tar.gz.vitrine.json"));
//
// Reading is strict: unknown fields, a wrong JSON type, bad base64 or a
// file over kMaxBundleFileSize are InvalidArgument ("bundle file X: ..."),
// never silently ignored (a bundle whose fields a reader skips is not the
// bundle its writer meant). Reading checks only the JSON: VerifyBundle
// (verifier.h) judges the content. Writing is pretty (two-space indent,
// field order of the .proto, camelCase names, fields at their default
// omitted) and stable: the same bundle always gives the same bytes. A file
// is written crash-safely: temporary file in the same folder, fsync, rename,
// fsync of the folder, so a crash leaves the old file or the new one.
// Files written before bundles carried rebuilds (no "rebuilds" key) read
// as bundles without rebuilds. Readers that predate the field refuse a file
// that has it (strict reading): write such bundles without rebuilds.
//
// Status codes: InvalidArgument for malformed JSON; NotFound for a missing
// file; ResourceExhausted for a file that is too large; Internal for other
// I/O errors (with errno's text).
//
// Functions are thread-safe; concurrent writers of one path each leave a
// complete file (the last rename wins).
#ifndef VITRINE_CLIENT_BUNDLE_FILE_H_
#define VITRINE_CLIENT_BUNDLE_FILE_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/vitrine/v1/bundle.pb.h"

namespace vitrine::client {

// The suffix of bundle files.
inline constexpr absl::string_view kBundleFileSuffix = ".vitrine.json";
// 1 MiB: a 16 KiB statement in base64, a checkpoint with a hundred
// cosignatures and a 64-hash proof take well under 100 KiB; a rebuild
// statement with its proof takes about 2 KiB, so hundreds fit. Writing
// refuses a bundle beyond it (ResourceExhausted), which no reader would
// take.
inline constexpr size_t kMaxBundleFileSize = 1 << 20;

// Returns "<artifact_path>.vitrine.json".
std::string BundlePathFor(absl::string_view artifact_path);

// Returns the bundle's proto3 JSON text, pretty and stable, ending in "\n";
// ResourceExhausted when it exceeds kMaxBundleFileSize.
absl::StatusOr<std::string> FormatBundleJson(const vitrine::v1::Bundle& bundle);

// Parses proto3 JSON strictly (unknown fields rejected).
absl::StatusOr<vitrine::v1::Bundle> ParseBundleJson(absl::string_view json);

// Reads and parses a bundle file (errors name `path`).
absl::StatusOr<vitrine::v1::Bundle> ReadBundleFile(const std::string& path);

// Writes the bundle to `path` crash-safely (mode 0644).
absl::Status WriteBundleFile(const std::string& path,
                             const vitrine::v1::Bundle& bundle);

}  // namespace vitrine::client

#endif  // VITRINE_CLIENT_BUNDLE_FILE_H_
