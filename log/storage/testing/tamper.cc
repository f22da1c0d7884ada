#include "log/storage/testing/tamper.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"

namespace vitrine::storage::testing {

absl::Status OverwriteEntryForTest(const std::string& store_path, uint64_t index,
                                   absl::string_view leaf) {
  // RocksDB must open every column family the store has, whatever this
  // version of the store calls them.
  std::vector<std::string> names;
  rocksdb::Status listed =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), store_path, &names);
  if (!listed.ok()) return absl::InternalError(listed.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  size_t entries = names.size();
  for (size_t i = 0; i < names.size(); ++i) {
    families.emplace_back(names[i], rocksdb::ColumnFamilyOptions());
    if (names[i] == "entries") entries = i;
  }
  if (entries == names.size()) {
    return absl::InternalError(absl::StrCat(store_path, " has no entries column family"));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened =
      rocksdb::DB::Open(rocksdb::DBOptions(), store_path, families, &handles, &raw);
  if (!opened.ok()) return absl::InternalError(opened.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, index >>= 8) key[i] = static_cast<char>(index & 0xff);
  rocksdb::WriteOptions write;
  write.sync = true;
  rocksdb::Status put =
      db->Put(write, handles[entries], key, rocksdb::Slice(leaf.data(), leaf.size()));
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  return put.ok() ? absl::OkStatus() : absl::InternalError(put.ToString());
}

}  // namespace vitrine::storage::testing
