// The id -> index map a restore builds: dense ids in an array, sparse ones hashed (as
// offsets from the first when they are within 2^32 of it), and every id added is found
// again while others are not, however the table was laid out before.
#include "object_id_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using pw::ObjectIdTable;

void expect_maps(ObjectIdTable& table, const std::vector<std::uint64_t>& ids) {
  table.reset(ids.size(), ids.front(), ids.back());
  for (std::size_t i = 0; i < ids.size(); ++i) table.add(ids[i], static_cast<std::uint32_t>(i));
  for (std::size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(table.find(ids[i]), i) << "id " << ids[i];
  // Ids between, before and after the ones added are missing.
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    if (ids[i] + 1 < ids[i + 1]) {
      ASSERT_EQ(table.find(ids[i] + 1), ObjectIdTable::kMissing) << ids[i] + 1;
    }
  }
  EXPECT_EQ(table.find(ids.front() - 1), ObjectIdTable::kMissing);
  EXPECT_EQ(table.find(ids.back() + 1), ObjectIdTable::kMissing);
  EXPECT_EQ(table.find(ids.back() + (std::uint64_t{1} << 33)), ObjectIdTable::kMissing);
}

std::vector<std::uint64_t> ids_every(std::uint64_t first, std::uint64_t step, std::size_t count) {
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(first + i * step);
  return ids;
}

TEST(ObjectIdTable, FindsEveryIdAddedDenseOrSparse) {
  ObjectIdTable table;
  expect_maps(table, ids_every(5, 1, 1000));         // dense: an array
  expect_maps(table, ids_every(7, 3, 1000));         // dense enough
  expect_maps(table, ids_every(11, 97, 5000));       // sparse, near the first
  expect_maps(table, ids_every(13, 1u << 23, 900));  // sparse, farther than 2^32 apart
  expect_maps(table, ids_every(17, 2, 10));          // and back to dense, reusing the table
  expect_maps(table, {1, 2, 3, (std::uint64_t{1} << 40) + 9});
}

TEST(ObjectIdTable, AnEmptyTableFindsNothing) {
  ObjectIdTable table(0, 1, 0);
  EXPECT_EQ(table.find(1), ObjectIdTable::kMissing);
  EXPECT_EQ(table.find(0), ObjectIdTable::kMissing);
}

}  // namespace
