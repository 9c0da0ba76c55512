#include "reader.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "assembler.h"
#include "printable.h"

namespace pw::lisp {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
// What ends an atom: whitespace, brackets, a string, a comment, a quote mark.
bool is_delimiter(char c) {
  return is_space(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"' || c == ';' || c == '\'' ||
         c == '`' || c == ',';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Reader {
 public:
  Reader(std::string_view source, const std::string& file) : src_(source), file_(file) {}

  std::vector<Datum> all() {
    std::vector<Datum> out;
    for (skip(0); !at_end(); skip(0)) {
      if (peek() == ')' || peek() == ']') fail(here(), fmt::format("unexpected '{}': there is no '(' to close", peek()));
      out.push_back(datum(0));
    }
    return out;
  }

 private:
  SourcePos here() const { return pos_; }
  bool at_end() const { return at_ >= src_.size(); }
  char peek(std::size_t k = 0) const { return at_ + k < src_.size() ? src_[at_ + k] : '\0'; }
  void advance() {
    if (src_[at_] == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else {
      ++pos_.column;
    }
    ++at_;
  }
  [[noreturn]] void fail(SourcePos p, std::string message) const {
    throw CompileError(file_, src_, p, std::move(message));
  }

  // Whitespace and comments, `#;` datum comments included.
  void skip(int depth) {
    for (;;) {
      if (at_end()) return;
      const char c = peek();
      if (is_space(c)) {
        advance();
      } else if (c == ';') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == '#' && peek(1) == '|') {
        block_comment();
      } else if (c == '#' && peek(1) == ';') {
        const SourcePos at = here();
        if (depth > kMaxNesting) fail(at, fmt::format("nesting deeper than {} levels", kMaxNesting));
        advance();
        advance();
        skip(depth + 1);
        if (at_end() || peek() == ')' || peek() == ']') fail(at, "'#;' comments out a datum, but none follows");
        datum(depth + 1);
      } else {
        return;
      }
    }
  }

  void block_comment() {
    const SourcePos open = here();
    int nested = 0;
    while (!at_end()) {
      if (peek() == '#' && peek(1) == '|') {
        advance();
        advance();
        ++nested;
      } else if (peek() == '|' && peek(1) == '#') {
        advance();
        advance();
        if (--nested == 0) return;
      } else {
        advance();
      }
    }
    fail(open, "this '#|' comment is never closed with '|#'");
  }

  Datum datum(int depth) {
    if (depth > kMaxNesting) fail(here(), fmt::format("nesting deeper than {} levels", kMaxNesting));
    const SourcePos at = here();
    const char c = peek();
    if (c == '(' || c == '[') {
      advance();
      return list(c == '(' ? ')' : ']', at, depth + 1);
    }
    if (c == '#' && peek(1) == '(') {
      advance();
      advance();
      Datum v = list(')', at, depth + 1);
      if (v.dotted) fail(at, "a vector cannot have a dotted tail");
      v.kind = Datum::Kind::Vector;
      return v;
    }
    if (c == '"') return string();
    if (c == '\'' || c == '`' || c == ',') {
      advance();
      std::string name = c == '\'' ? "quote" : c == '`' ? "quasiquote" : "unquote";
      if (c == ',' && peek() == '@') {
        advance();
        name = "unquote-splicing";
      }
      skip(depth);
      if (at_end() || peek() == ')' || peek() == ']')
        fail(at, fmt::format("'{}' must be followed by a datum", name == "unquote-splicing" ? ",@" : std::string(1, c)));
      Datum quoted;
      quoted.kind = Datum::Kind::List;
      quoted.pos = at;
      Datum sym;
      sym.kind = Datum::Kind::Symbol;
      sym.pos = at;
      sym.text = std::move(name);
      quoted.items.push_back(std::move(sym));
      quoted.items.push_back(datum(depth + 1));
      quoted.end = quoted.items.back().pos;
      return quoted;
    }
    return atom();
  }

  Datum list(char close, SourcePos open, int depth) {
    Datum d;
    d.kind = Datum::Kind::List;
    d.pos = open;
    const char opener = close == ')' ? '(' : '[';
    for (;;) {
      skip(depth);
      if (at_end()) fail(open, fmt::format("this '{}' is never closed", opener));
      const char c = peek();
      if (c == ')' || c == ']') {
        if (c != close)
          fail(here(), fmt::format("'{}' does not match the '{}' at {}:{}", c, opener, open.line, open.column));
        d.end = here();
        advance();
        return d;
      }
      if (c == '.' && (at_ + 1 == src_.size() || is_delimiter(peek(1)))) {
        const SourcePos dot = here();
        advance();
        if (d.items.empty()) fail(dot, "a dotted list needs something before the '.'");
        skip(depth);
        if (at_end() || peek() == ')' || peek() == ']') fail(dot, "a dotted list needs one datum after the '.'");
        d.items.push_back(datum(depth));
        d.dotted = true;
        skip(depth);
        if (at_end()) fail(open, fmt::format("this '{}' is never closed", opener));
        if (peek() != close) fail(here(), "a dotted list ends one datum after the '.'");
        d.end = here();
        advance();
        return d;
      }
      d.items.push_back(datum(depth));
    }
  }

  Datum string() {
    Datum d;
    d.kind = Datum::Kind::String;
    d.pos = here();
    advance();  // the opening quote
    for (;;) {
      if (at_end()) fail(d.pos, "this string is never closed");
      const char c = peek();
      if (c == '"') {
        advance();
        return d;
      }
      if (c == '\\') {
        const SourcePos at = here();
        if (at_ + 1 >= src_.size()) fail(d.pos, "this string is never closed");
        std::string error;
        const std::size_t used = decode_escape(src_, at_ + 1, d.text, error);
        if (used == 0) fail(at, error);
        for (std::size_t k = 0; k <= used; ++k) advance();
        continue;
      }
      d.text += c;
      advance();
    }
  }

  Datum atom() {
    Datum d;
    d.pos = here();
    const std::size_t start = at_;
    while (!at_end() && !is_delimiter(peek())) advance();
    const std::string_view text = src_.substr(start, at_ - start);
    if (text.empty()) fail(d.pos, fmt::format("unexpected '{}'", printable(std::string(1, peek()))));
    if (text == ".") fail(d.pos, "a '.' belongs inside a list, before its last datum");
    if (text[0] == '#') {
      d.kind = Datum::Kind::Bool;
      if (text == "#t" || text == "#true") d.i = 1;
      else if (text == "#f" || text == "#false") d.i = 0;
      else fail(d.pos, fmt::format("unknown syntax '{}' (booleans are #t and #f)", printable(text)));
      return d;
    }
    const bool signed_number = (text[0] == '-' || text[0] == '+') && text.size() > 1 &&
                               (is_digit(text[1]) || (text[1] == '.' && text.size() > 2 && is_digit(text[2])));
    const bool number = is_digit(text[0]) || signed_number || (text[0] == '.' && text.size() > 1 && is_digit(text[1]));
    if (!number) {
      d.kind = Datum::Kind::Symbol;
      d.text = std::string(text);
      return d;
    }
    number_of(text, d);
    return d;
  }

  void number_of(std::string_view text, Datum& d) const {
    const std::string_view digits = text[0] == '+' ? text.substr(1) : text;
    bool integer = true;
    for (std::size_t k = digits[0] == '-' ? 1 : 0; k < digits.size(); ++k) integer = integer && is_digit(digits[k]);
    if (integer) {
      d.kind = Datum::Kind::Int;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d.i);
      if (ec == std::errc::result_out_of_range)
        fail(d.pos, fmt::format("the integer {} does not fit in 64 bits", printable(text)));
      if (ec != std::errc() || end != digits.data() + digits.size())
        fail(d.pos, fmt::format("malformed number '{}'", printable(text)));
      return;
    }
    // digits [. digits] [e [sign] digits], at least one digit before the exponent.
    std::size_t k = digits[0] == '-' ? 1 : 0, mantissa = 0;
    while (k < digits.size() && is_digit(digits[k])) ++k, ++mantissa;
    if (k < digits.size() && digits[k] == '.')
      for (++k; k < digits.size() && is_digit(digits[k]); ++k) ++mantissa;
    bool ok = mantissa > 0;
    if (ok && k < digits.size() && (digits[k] == 'e' || digits[k] == 'E')) {
      ++k;
      if (k < digits.size() && (digits[k] == '+' || digits[k] == '-')) ++k;
      std::size_t exponent = 0;
      while (k < digits.size() && is_digit(digits[k])) ++k, ++exponent;
      ok = exponent > 0;
    }
    if (!ok || k != digits.size()) fail(d.pos, fmt::format("malformed number '{}'", printable(text)));
    d.kind = Datum::Kind::Float;
    d.f = std::strtod(std::string(digits).c_str(), nullptr);
    if (!std::isfinite(d.f)) fail(d.pos, fmt::format("the number {} is too large for a float", printable(text)));
  }

  std::string_view src_;
  const std::string& file_;
  std::size_t at_ = 0;
  SourcePos pos_;
};

}  // namespace

std::vector<Datum> read_all(std::string_view source, const std::string& file) { return Reader(source, file).all(); }

std::string Datum::show() const {
  switch (kind) {
    case Kind::Int: return std::to_string(i);
    case Kind::Float: {
      std::string s = fmt::format("{}", f);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      return s;
    }
    case Kind::String: return quoted(text);
    case Kind::Symbol: return text;
    case Kind::Bool: return i ? "#t" : "#f";
    case Kind::List:
    case Kind::Vector: {
      std::string s = kind == Kind::Vector ? "#(" : "(";
      for (std::size_t k = 0; k < items.size(); ++k) {
        if (k) s += dotted && k + 1 == items.size() ? " . " : " ";
        s += items[k].show();
      }
      return s + ")";
    }
  }
  return {};
}

}  // namespace pw::lisp
