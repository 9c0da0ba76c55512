// Shared pieces of the fuzz harnesses.
#include "fuzz_support.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "assembler.h"

namespace pwfuzz {

pw::VmConfig small_config() {
  pw::VmConfig c;
  c.limits.max_steps = 50'000;
  c.limits.max_stack = 4096;
  c.limits.max_depth = 200;
  c.limits.max_heap = 1u << 20;
  c.limits.max_output = 16u << 10;
  c.gc.min_threshold = 16u << 10;
  c.capabilities = pw::kCapIo | pw::kCapClock | pw::kCapRandom;
  return c;
}

void feed(pw::ScriptedHost& host) {
  host.input_lines = {"3", "hello", "-7", ""};
  host.program_args = {"5", "fuzz"};
  host.seed = 7;
}

namespace {
std::vector<std::filesystem::path> files_in(const char* dir, const char* extension) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file() && entry.path().extension() == extension) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}
}  // namespace

std::vector<std::filesystem::path> example_files() { return files_in(EXAMPLES_DIR, ".pwa"); }
std::vector<std::filesystem::path> trace_files() { return files_in(TRACES_DIR, ".pwtrace"); }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::vector<std::shared_ptr<const pw::Program>>& example_programs() {
  static const auto programs = [] {
    std::vector<std::shared_ptr<const pw::Program>> out;
    for (const auto& path : example_files()) out.push_back(pw::load_program(path.string()));
    return out;
  }();
  return programs;
}

MemoryFile::MemoryFile() {
  fd_ = memfd_create("pwvm-fuzz", MFD_CLOEXEC);
  if (fd_ < 0) {
    std::perror("memfd_create");
    std::abort();
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

MemoryFile::~MemoryFile() { ::close(fd_); }

void MemoryFile::assign(const std::uint8_t* data, std::size_t size) {
  if (::ftruncate(fd_, 0) != 0 || (size && ::pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
    std::perror("memfd write");
    std::abort();
  }
}

}  // namespace pwfuzz
