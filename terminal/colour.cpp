// The colour decision and its escapes (colour.h).
#include "colour.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace pw::term {

bool colour_enabled(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) return false;
  const char* term = std::getenv("TERM");
  if (term && std::strcmp(term, "dumb") == 0) return false;
  const int fd = stream ? ::fileno(stream) : -1;
  return fd >= 0 && ::isatty(fd);
}

namespace {

constexpr const char* kReset = "\x1b[0m";

const char* start_of(Style style) {
  switch (style) {
    case Style::Error: return "\x1b[1;31m";
    case Style::Stop: return "\x1b[1m";
    case Style::CurrentLine: return "\x1b[1;33m";
  }
  return "";
}

}  // namespace

std::string paint(std::FILE* stream, Style style, std::string_view text) {
  if (text.empty() || !colour_enabled(stream)) return std::string(text);
  return std::string(start_of(style)).append(text).append(kReset);
}

Painted::Painted(std::FILE* stream, Style style) {
  if (!colour_enabled(stream)) return;
  stream_ = stream;
  std::fputs(start_of(style), stream_);
}

Painted::~Painted() {
  if (stream_) std::fputs(kReset, stream_);
}

}  // namespace pw::term
