// What a path names, in words for a one-line refusal: "x is a directory, not a program".
#pragma once
#include <sys/stat.h>

#include <string_view>

namespace pw {

// "a directory", "a device", "a pipe", "a socket", "a regular file", or "not a regular file".
inline std::string_view file_kind_name(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace pw
