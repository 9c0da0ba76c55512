// What the fuzz harnesses share: small limits, a deterministic host, the example programs,
// and a file in memory for readers that take a path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host.h"
#include "program.h"
#include "vm.h"

namespace pwfuzz {

// Limits that keep one input to a few milliseconds and a few megabytes, and a GC that
// collects often enough to be exercised by short runs.
pw::VmConfig small_config();

// A host that answers every call the same way on every run (all capabilities granted).
void feed(pw::ScriptedHost& host);

// examples/*.pwa and traces/*.pwtrace in the source tree, sorted by name.
std::vector<std::filesystem::path> example_files();
std::vector<std::filesystem::path> trace_files();
std::string read_file(const std::filesystem::path& path);

// The examples, assembled and verified, in example_files() order.
const std::vector<std::shared_ptr<const pw::Program>>& example_programs();

// A file that lives in memory (memfd): readers that open a path open path(). Each
// assign() replaces its contents.
class MemoryFile {
 public:
  MemoryFile();
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  void assign(const std::uint8_t* data, std::size_t size);
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace pwfuzz
