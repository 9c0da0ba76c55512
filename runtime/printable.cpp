// Escaping bytes for a terminal: one function for every printer.
#include "printable.h"

#include <cstdint>

namespace pw {
namespace {

void hex_into(std::string& out, unsigned char u) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[u >> 4];
  out += kDigits[u & 0xf];
}

bool continuation(unsigned char u) { return (u & 0xc0) == 0x80; }

// The length of the well-formed UTF-8 sequence at [s][i] (lead byte >= 0x80), or 0 when
// there is none (a stray byte, an overlong form, a surrogate, past U+10FFFF, cut short).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  const unsigned char lead = static_cast<unsigned char>(s[i]);
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(at(1)) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const unsigned char b = at(1);
    const bool second_ok = lead == 0xe0 ? (b >= 0xa0 && b <= 0xbf) : lead == 0xed ? (b >= 0x80 && b <= 0x9f)
                                                                                  : continuation(b);
    return second_ok && continuation(at(2)) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const unsigned char b = at(1);
    const bool second_ok = lead == 0xf0 ? (b >= 0x90 && b <= 0xbf) : lead == 0xf4 ? (b >= 0x80 && b <= 0x8f)
                                                                                  : continuation(b);
    return second_ok && continuation(at(2)) && continuation(at(3)) ? 4 : 0;
  }
  return 0;
}

void literal_into(std::string& out, std::string_view bytes) {
  for (const char c : bytes) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) hex_into(out, u);
        else out += c;
      }
    }
  }
}

}  // namespace

void escape_into(std::string& out, std::string_view bytes, EscapeStyle style) {
  if (style == EscapeStyle::Literal) {
    literal_into(out, bytes);
    return;
  }
  const bool keep_newlines = style == EscapeStyle::Lines;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto u = static_cast<unsigned char>(bytes[i]);
    if (u >= 0x20 && u < 0x7f) {
      // Copy the run of printable ASCII in one go: most text is nothing else.
      std::size_t j = i + 1;
      while (j < bytes.size() && static_cast<unsigned char>(bytes[j]) >= 0x20 &&
             static_cast<unsigned char>(bytes[j]) < 0x7f)
        ++j;
      out.append(bytes.substr(i, j - i));
      i = j;
      continue;
    }
    if (u == '\t' || (u == '\n' && keep_newlines)) {
      out += static_cast<char>(u);
      ++i;
      continue;
    }
    if (u >= 0x80) {
      const std::size_t n = utf8_length(bytes, i);
      // U+0080..U+009F (C2 80..C2 9F) are the C1 controls, CSI among them.
      const bool c1 = n == 2 && u == 0xc2 && static_cast<unsigned char>(bytes[i + 1]) <= 0x9f;
      if (n && !c1) {
        out.append(bytes.substr(i, n));
        i += n;
        continue;
      }
    }
    hex_into(out, u);  // C0 controls, DEL, C1 and bytes that are not UTF-8
    ++i;
  }
}

std::string printable(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  escape_into(out, bytes, EscapeStyle::Line);
  return out;
}

std::string printable_lines(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  escape_into(out, bytes, EscapeStyle::Lines);
  return out;
}

std::string quoted(std::string_view bytes) {
  std::string out = "\"";
  out.reserve(bytes.size() + 2);
  escape_into(out, bytes, EscapeStyle::Literal);
  out += '"';
  return out;
}

}  // namespace pw
