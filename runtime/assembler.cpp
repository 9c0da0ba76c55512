// The .pwa assembler. Two passes: the first collects function and global names so code may
// call forward; the second assembles bodies, resolving labels when each function ends.
// Every name lookup goes through a hash table, so assembly time grows linearly with the
// program: a generated program may hold hundreds of thousands of names.
// A compiler's output also carries debug information directives (.source, .text, .loc, .name,
// .var, .endvar: docs/LANGUAGE.md), which set positions, source names and variable scopes.
#include "assembler.h"
#include "file_kind.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "host.h"
#include "printable.h"
#include "verifier.h"

namespace pw {

// Messages quote the source, which may hold any byte (a string literal with a control byte
// in it, say): they are escaped here, once for every error, so a report stays one line.
AssemblyError::AssemblyError(std::string file_, std::uint32_t line_, std::uint32_t column_, std::string message_)
    : std::runtime_error(fmt::format("{}:{}:{}: error: {}", file_, line_, column_, printable(message_))),
      file(std::move(file_)),
      line(line_),
      column(column_),
      message(printable(message_)) {}

namespace {

enum class Tok { Name, Directive, Int, Float, String, Symbol, Punct, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;  // name, directive (with its '.'), punct char, symbol name, decoded string, or literal spelling
  std::int64_t i = 0;
  double f = 0;
  std::uint32_t column = 0;
};

// Names may hold the punctuation of Lisp identifiers (`list->vector`, `<=?`, `set-car!`), but
// not start with a digit, '-' or '+' (numbers) nor hold ':' (which ends a label).
bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         std::string_view("*/<>=~^%&$@!?").find(c) != std::string_view::npos;
}
bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("_.?!-*/<>=~^%&$@+").find(c) != std::string_view::npos;
}

class Assembler {
 public:
  Assembler(std::string_view source, std::string_view name) : src_(source), file_(name) {}

  Program run() {
    prog_.source_name = file_;
    prog_.source = std::string(src_);
    split_lines();
    declare_names();
    assemble_bodies();
    if (prog_.compiled) prog_.source = std::move(source_text_);
    const auto entry = functions_.find(entry_name_);
    if (entry == functions_.end())
      fail(entry_line_ ? entry_line_ : 1, 1, fmt::format("no entry function '{}'", entry_name_));
    prog_.entry = entry->second;
    return std::move(prog_);
  }

 private:
  // ---- errors and lines ------------------------------------------------------------
  [[noreturn]] void fail(std::uint32_t line, std::uint32_t column, std::string message) const {
    throw AssemblyError(file_, line, column, std::move(message));
  }

  void split_lines() {
    std::size_t pos = 0;
    while (pos <= src_.size()) {
      std::size_t end = src_.find('\n', pos);
      if (end == std::string_view::npos) end = src_.size();
      std::string_view l = src_.substr(pos, end - pos);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      lines_.push_back(l);
      pos = end + 1;
    }
  }

  // ---- tokens ----------------------------------------------------------------------
  std::vector<Token> tokenize(std::uint32_t line_no) const {
    std::string_view l = lines_[line_no - 1];
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < l.size()) {
      const char c = l[i];
      const auto col = static_cast<std::uint32_t>(i + 1);
      if (c == ' ' || c == '\t' || c == ',') {
        ++i;
        continue;
      }
      if (c == ';' || c == '#') break;
      Token t;
      t.column = col;
      if (name_start(c)) {
        std::size_t j = i + 1;
        while (j < l.size() && name_char(l[j])) ++j;
        t.kind = Tok::Name;
        t.text = std::string(l.substr(i, j - i));
        i = j;
      } else if (c == '.' && i + 1 < l.size() && std::isalpha(static_cast<unsigned char>(l[i + 1]))) {
        std::size_t j = i + 1;
        while (j < l.size() && name_char(l[j])) ++j;
        t.kind = Tok::Directive;
        t.text = std::string(l.substr(i, j - i));
        i = j;
      } else if (c == '\'' && i + 1 < l.size() && l[i + 1] == '"') {
        // '"any text": a symbol whose name is not a name.
        t.kind = Tok::Symbol;
        i = read_string(l, i + 1, line_no, t.text);
      } else if (c == '\'') {
        std::size_t j = i + 1;
        if (j >= l.size() || !name_start(l[j])) fail(line_no, col, "expected a symbol name after '");
        while (j < l.size() && name_char(l[j])) ++j;
        t.kind = Tok::Symbol;
        t.text = std::string(l.substr(i + 1, j - i - 1));
        i = j;
      } else if (c == '"') {
        t.kind = Tok::String;
        i = read_string(l, i, line_no, t.text);
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') && i + 1 < l.size() &&
                  (std::isdigit(static_cast<unsigned char>(l[i + 1])) || l[i + 1] == '.'))) {
        std::size_t j = i + 1;
        while (j < l.size() && (std::isalnum(static_cast<unsigned char>(l[j])) || l[j] == '.' ||
                                ((l[j] == '-' || l[j] == '+') && (l[j - 1] == 'e' || l[j - 1] == 'E'))))
          ++j;
        t.text = std::string(l.substr(i, j - i));
        parse_number(t, line_no);
        i = j;
      } else if (c == '(' || c == ')' || c == ':') {
        t.kind = Tok::Punct;
        t.text = std::string(1, c);
        ++i;
      } else {
        const auto u = static_cast<unsigned char>(c);
        fail(line_no, col,
             u >= 0x20 && u < 0x7f ? fmt::format("unexpected character '{}'", c)
                                   : fmt::format("unexpected byte 0x{:02x} (is this a text .pwa file?)", u));
      }
      out.push_back(std::move(t));
    }
    Token end;
    end.kind = Tok::End;
    end.column = static_cast<std::uint32_t>(l.size() + 1);
    out.push_back(end);
    return out;
  }

  // Decodes the string literal whose opening quote is at l[open] into [out]; returns the index
  // just past its closing quote.
  std::size_t read_string(std::string_view l, std::size_t open, std::uint32_t line_no, std::string& out) const {
    std::size_t j = open + 1;
    while (j < l.size()) {
      const char ch = l[j];
      if (ch == '"') return j + 1;
      if (ch == '\\') {
        if (j + 1 >= l.size()) break;
        std::string error;
        const std::size_t used = decode_escape(l, j + 1, out, error);
        if (!used) fail(line_no, static_cast<std::uint32_t>(j + 1), error);
        j += 1 + used;
        continue;
      }
      out += ch;
      ++j;
    }
    fail(line_no, static_cast<std::uint32_t>(open + 1), "unterminated string: expected a closing '\"'");
  }

  void parse_number(Token& t, std::uint32_t line_no) const {
    const std::string& s = t.text;
    const bool hex = s.find("0x") != std::string::npos || s.find("0X") != std::string::npos;
    const bool is_float = !hex && s.find_first_of(".eE") != std::string::npos;
    errno = 0;
    char* end = nullptr;
    if (is_float) {
      t.kind = Tok::Float;
      t.f = std::strtod(s.c_str(), &end);
      // ERANGE also flags subnormals, which are exact and fine; only overflow is refused.
      if (!std::isfinite(t.f))
        fail(line_no, t.column, fmt::format("float literal {} is out of range", s));
    } else {
      t.kind = Tok::Int;
      t.i = std::strtoll(s.c_str(), &end, hex ? 16 : 10);
      if (errno == ERANGE) fail(line_no, t.column, fmt::format("integer literal {} does not fit in 64 bits", s));
    }
    if (end != s.c_str() + s.size()) fail(line_no, t.column, fmt::format("malformed number '{}'", s));
  }

  // ---- pass 1: names ---------------------------------------------------------------
  void declare_names() {
    for (std::uint32_t n = 1; n <= lines_.size(); ++n) {
      std::vector<Token> toks = tokenize(n);
      if (toks[0].kind != Tok::Name) continue;
      const std::string& word = toks[0].text;
      if (word == "func") {
        if (toks[1].kind != Tok::Name) fail(n, toks[1].column, "expected a function name after 'func'");
        if (!functions_.emplace(toks[1].text, static_cast<std::uint32_t>(prog_.functions.size())).second)
          fail(n, toks[1].column, fmt::format("function '{}' is defined twice", toks[1].text));
        Function f;
        f.name = toks[1].text;
        f.line = n;
        prog_.functions.push_back(std::move(f));
      } else if (word == "global") {
        if (toks[1].kind != Tok::Name) fail(n, toks[1].column, "expected a global name after 'global'");
        // Instructions name a global in 16 bits.
        if (prog_.globals.size() >= kMaxGlobals)
          fail(n, toks[1].column, fmt::format("more than {} globals", kMaxGlobals));
        if (!globals_.emplace(toks[1].text, static_cast<std::uint16_t>(prog_.globals.size())).second)
          fail(n, toks[1].column, fmt::format("global '{}' is declared twice", toks[1].text));
        prog_.globals.push_back(toks[1].text);
        prog_.global_inits.push_back(-1);
      } else if (word == "entry") {
        if (toks[1].kind != Tok::Name) fail(n, toks[1].column, "expected a function name after 'entry'");
        entry_name_ = toks[1].text;
        entry_line_ = n;
      }
    }
  }

  // ---- pass 2: bodies ----------------------------------------------------------------
  struct Fixup {
    std::uint32_t instr;
    std::string label;
    std::uint32_t line, column;
  };

  void assemble_bodies() {
    Function* fn = nullptr;
    std::unordered_map<std::string, std::uint32_t> labels;
    std::vector<Fixup> fixups;
    std::uint32_t fn_line = 0;
    for (std::uint32_t n = 1; n <= lines_.size(); ++n) {
      std::vector<Token> toks = tokenize(n);
      std::size_t k = 0;
      // Labels: NAME ':' (possibly several, possibly followed by an instruction).
      while (toks[k].kind == Tok::Name && toks[k + 1].kind == Tok::Punct && toks[k + 1].text == ":") {
        if (!fn) fail(n, toks[k].column, "a label must be inside a function");
        if (!labels.emplace(toks[k].text, static_cast<std::uint32_t>(fn->code.size())).second)
          fail(n, toks[k].column, fmt::format("label '{}' is defined twice in {}", toks[k].text, fn->name));
        fn->labels[static_cast<std::uint32_t>(fn->code.size())] = toks[k].text;
        k += 2;
      }
      if (toks[k].kind == Tok::End) continue;
      const bool func_line = toks[k].kind == Tok::Name && toks[k].text == "func";
      if (header_loc_line_ && !func_line)
        fail(header_loc_line_, header_loc_column_, "a '.loc' outside a function must come right before a 'func' line");
      if (toks[k].kind == Tok::Directive) {
        if (fn) {
          parse_body_directive(*fn, toks, k, n);
        } else {
          parse_top_directive(toks, k, n);
        }
        continue;
      }
      if (toks[k].kind != Tok::Name) fail(n, toks[k].column, "expected an instruction or a directive");
      const std::string word = toks[k].text;
      if (word == "func") {
        if (fn) fail(n, toks[k].column, fmt::format("'func' inside function {}: expected 'end' first", fn->name));
        fn = &prog_.functions[functions_.at(toks[k + 1].text)];
        fn_line = n;
        labels.clear();
        fixups.clear();
        locals_.clear();
        captures_.clear();
        open_vars_.clear();
        seen_function_ = true;
        // Compiled code has positions only where a .loc gives them.
        position_ = prog_.compiled ? std::optional<Position>(Position{}) : std::nullopt;
        if (header_loc_line_ != 0) {
          fn->line = header_line_;
        } else if (prog_.compiled) {
          fn->line = 0;  // a compiled header has a line only where a .loc gives it
        }
        header_loc_line_ = 0;
        parse_header(*fn, toks, k + 2, n);
        continue;
      }
      if (word == "end") {
        if (!fn) fail(n, toks[k].column, "'end' without a function");
        expect_end(toks, k + 1, n);
        for (const auto& named : open_vars_)
          for (const std::size_t v : named.second) fn->vars[v].end = static_cast<std::uint32_t>(fn->code.size());
        for (const Fixup& f : fixups) {
          auto it = labels.find(f.label);
          if (it == labels.end())
            fail(f.line, f.column, fmt::format("unknown label '{}' in function {}", f.label, fn->name));
          fn->code[f.instr].b = static_cast<std::int32_t>(it->second);
        }
        if (fn->code.empty()) fail(n, toks[k].column, fmt::format("function {} has no instructions", fn->name));
        fn = nullptr;
        continue;
      }
      if (word == "global") {
        if (fn) fail(n, toks[k].column, "'global' must be outside functions");
        parse_global(toks, k, n);
        continue;
      }
      if (word == "entry") {
        if (fn) fail(n, toks[k].column, "'entry' must be outside functions");
        expect_end(toks, k + 2, n);
        continue;
      }
      if (!fn) fail(n, toks[k].column, fmt::format("'{}' outside a function: expected 'func', 'global' or 'entry'", word));
      if (word == "local") {
        ++k;
        if (toks[k].kind == Tok::End) fail(n, toks[k].column, "expected local names after 'local'");
        for (; toks[k].kind != Tok::End; ++k) {
          if (toks[k].kind != Tok::Name) fail(n, toks[k].column, "expected a local name");
          add_local(*fn, toks[k], n);
        }
        continue;
      }
      parse_instruction(*fn, toks, k, n, fixups);
    }
    if (fn) fail(fn_line, 1, fmt::format("function {} has no 'end'", fn->name));
    if (header_loc_line_)
      fail(header_loc_line_, header_loc_column_, "a '.loc' outside a function must come right before a 'func' line");
  }

  // ---- debug information directives ------------------------------------------------
  struct Position {
    std::uint32_t line = 0, column = 0;
  };

  std::uint32_t u32_operand(const Token& t, std::uint32_t n, std::string_view what) const {
    if (t.kind != Tok::Int || t.i < 0 || t.i > UINT32_MAX)
      fail(n, t.column, fmt::format("expected {} (an integer 0..{})", what, UINT32_MAX));
    return static_cast<std::uint32_t>(t.i);
  }

  const std::string& string_operand(const Token& t, std::uint32_t n, std::string_view directive) const {
    if (t.kind != Tok::String) fail(n, t.column, fmt::format("expected a string after '{}'", directive));
    return t.text;
  }

  Position loc_operands(const std::vector<Token>& toks, std::size_t k, std::uint32_t n) const {
    Position at;
    at.line = u32_operand(toks[k + 1], n, "a line number after '.loc'");
    at.column = u32_operand(toks[k + 2], n, "a column number after '.loc LINE'");
    expect_end(toks, k + 3, n);
    return at;
  }

  void parse_top_directive(const std::vector<Token>& toks, std::size_t k, std::uint32_t n) {
    const Token& d = toks[k];
    if (d.text == ".source") {
      if (prog_.compiled) fail(n, d.column, "'.source' is given twice");
      if (seen_function_) fail(n, d.column, "'.source' must come before the first function");
      prog_.source_name = string_operand(toks[k + 1], n, d.text);
      prog_.compiled = true;
      expect_end(toks, k + 2, n);
    } else if (d.text == ".text") {
      if (!prog_.compiled) fail(n, d.column, "'.text' without a '.source' before it");
      source_text_ += string_operand(toks[k + 1], n, d.text);
      source_text_ += '\n';
      expect_end(toks, k + 2, n);
    } else if (d.text == ".loc") {
      header_line_ = loc_operands(toks, k, n).line;  // a header has a line, not a column
      header_loc_line_ = n;
      header_loc_column_ = d.column;
    } else if (d.text == ".name" || d.text == ".var" || d.text == ".endvar" || d.text == ".rest") {
      fail(n, d.column, fmt::format("'{}' must be inside a function", d.text));
    } else {
      fail(n, d.column, fmt::format("unknown directive '{}'", d.text));
    }
  }

  void parse_body_directive(Function& fn, const std::vector<Token>& toks, std::size_t k, std::uint32_t n) {
    const Token& d = toks[k];
    if (d.text == ".loc") {
      position_ = loc_operands(toks, k, n);
    } else if (d.text == ".name") {
      fn.source_name = string_operand(toks[k + 1], n, d.text);
      expect_end(toks, k + 2, n);
    } else if (d.text == ".rest") {
      if (fn.arity == 0) fail(n, d.column, fmt::format("'.rest' in {}, which has no parameter to take the rest", fn.name));
      fn.rest = true;
      expect_end(toks, k + 1, n);
    } else if (d.text == ".var") {
      SourceVar var = slot_of(fn, toks[k + 1], n, d.text);
      var.name = string_operand(toks[k + 2], n, d.text);
      std::size_t next = k + 3;
      if (toks[next].kind == Tok::Name && toks[next].text == "boxed") {
        var.boxed = true;
        ++next;
      }
      expect_end(toks, next, n);
      var.begin = var.end = static_cast<std::uint32_t>(fn.code.size());
      open_vars_[toks[k + 1].text].push_back(fn.vars.size());
      fn.vars.push_back(std::move(var));
    } else if (d.text == ".endvar") {
      const Token& name = toks[k + 1];
      if (name.kind != Tok::Name) fail(n, name.column, "expected a local or capture name after '.endvar'");
      const auto open = open_vars_.find(name.text);
      if (open == open_vars_.end() || open->second.empty())
        fail(n, name.column, fmt::format("'.endvar {}' without an open '.var {}'", name.text, name.text));
      fn.vars[open->second.back()].end = static_cast<std::uint32_t>(fn.code.size());
      open->second.pop_back();
      expect_end(toks, k + 2, n);
    } else if (d.text == ".source" || d.text == ".text") {
      fail(n, d.column, fmt::format("'{}' must be outside functions", d.text));
    } else {
      fail(n, d.column, fmt::format("unknown directive '{}'", d.text));
    }
  }

  // The slot a `.var` names: a local (parameters included) or else a capture of [fn].
  SourceVar slot_of(const Function& fn, const Token& t, std::uint32_t n, std::string_view directive) const {
    if (t.kind != Tok::Name) fail(n, t.column, fmt::format("expected a local or capture name after '{}'", directive));
    SourceVar var;
    if (const auto local = locals_.find(t.text); local != locals_.end()) {
      var.slot = SourceVar::Slot::Local;
      var.index = local->second;
    } else if (const auto capture = captures_.find(t.text); capture != captures_.end()) {
      var.slot = SourceVar::Slot::Capture;
      var.index = capture->second;
    } else {
      fail(n, t.column, fmt::format("unknown local or capture '{}' in function {}", t.text, fn.name));
    }
    return var;
  }

  void expect_end(const std::vector<Token>& toks, std::size_t k, std::uint32_t n) const {
    if (toks[k].kind != Tok::End) fail(n, toks[k].column, fmt::format("unexpected '{}' at the end of the line", toks[k].text));
  }

  // Locals and captures of the function being assembled, by name.
  void add_local(Function& fn, const Token& t, std::uint32_t n) {
    if (fn.locals.size() >= kMaxLocals) fail(n, t.column, fmt::format("more than {} locals", kMaxLocals));
    if (!locals_.emplace(t.text, static_cast<std::uint16_t>(fn.locals.size())).second)
      fail(n, t.column, fmt::format("local '{}' is declared twice in {}", t.text, fn.name));
    fn.locals.push_back(t.text);
  }

  void add_capture(Function& fn, const Token& t, std::uint32_t n) {
    if (fn.captures.size() >= kMaxCaptures) fail(n, t.column, fmt::format("more than {} captures", kMaxCaptures));
    if (!captures_.emplace(t.text, static_cast<std::uint16_t>(fn.captures.size())).second)
      fail(n, t.column, fmt::format("capture '{}' is declared twice", t.text));
    fn.captures.push_back(t.text);
  }

  std::vector<Token> name_list(const std::vector<Token>& toks, std::size_t& k, std::uint32_t n) const {
    if (toks[k].kind != Tok::Punct || toks[k].text != "(") fail(n, toks[k].column, "expected '('");
    ++k;
    std::vector<Token> names;
    while (!(toks[k].kind == Tok::Punct && toks[k].text == ")")) {
      if (toks[k].kind != Tok::Name) fail(n, toks[k].column, "expected a name or ')'");
      names.push_back(toks[k++]);
    }
    ++k;
    return names;
  }

  void parse_header(Function& fn, const std::vector<Token>& toks, std::size_t k, std::uint32_t n) {
    for (const Token& p : name_list(toks, k, n)) add_local(fn, p, n);
    fn.arity = fn.local_count();
    if (toks[k].kind == Tok::Name && toks[k].text == "captures") {
      ++k;
      for (const Token& c : name_list(toks, k, n)) add_capture(fn, c, n);
    }
    expect_end(toks, k, n);
  }

  void parse_global(const std::vector<Token>& toks, std::size_t k, std::uint32_t n) {
    const std::uint16_t g = globals_.at(toks[k + 1].text);
    k += 2;
    // '=' may be part of a name, so a lone one is a name token.
    if (toks[k].kind == Tok::Name && toks[k].text == "=") {
      ++k;
      const Token& lit = toks[k];
      Constant c;
      if (!literal_constant(lit, c, /*allow_simple=*/true))
        fail(n, lit.column, "expected a literal after '='");
      prog_.global_inits[g] = add_constant(c);
      ++k;
    }
    expect_end(toks, k, n);
  }

  bool literal_constant(const Token& t, Constant& c, bool allow_simple) {
    switch (t.kind) {
      case Tok::Int: c.type = ValueType::Int; c.i = t.i; return true;
      case Tok::Float: c.type = ValueType::Float; c.f = t.f; return true;
      case Tok::String: c.type = ValueType::String; c.text = t.text; return true;
      case Tok::Symbol: c.type = ValueType::Symbol; c.sym = intern(t.text); return true;
      case Tok::Name:
        if (!allow_simple) return false;
        if (t.text == "true" || t.text == "false") {
          c.type = ValueType::Bool;
          c.b = t.text == "true";
          return true;
        }
        if (t.text == "nil") {
          c.type = ValueType::Nil;
          return true;
        }
        return false;
      default: return false;
    }
  }

  std::uint32_t intern(const std::string& name) {
    const auto [it, added] = symbols_.emplace(name, static_cast<std::uint32_t>(prog_.symbols.size()));
    if (added) prog_.symbols.push_back(name);
    return it->second;
  }

  // Equal constants share one pool entry. Floats compare bitwise, so -0.0 and 0.0 stay apart.
  static bool same_constant(const Constant& a, const Constant& b) {
    return a.type == b.type && a.i == b.i && std::memcmp(&a.f, &b.f, sizeof(double)) == 0 && a.b == b.b &&
           a.sym == b.sym && a.text == b.text;
  }
  static std::size_t constant_hash(const Constant& c) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &c.f, sizeof bits);
    std::size_t h = std::hash<std::string>()(c.text);
    const std::uint64_t parts[] = {std::uint64_t(c.type), std::uint64_t(c.i), bits, std::uint64_t(c.b),
                                   std::uint64_t(c.sym)};
    for (const std::uint64_t part : parts) h = (h ^ std::hash<std::uint64_t>()(part)) * 0x100000001b3ull;
    return h;
  }

  std::int32_t add_constant(const Constant& c) {
    const std::size_t h = constant_hash(c);
    const auto [first, last] = constants_.equal_range(h);
    for (auto it = first; it != last; ++it)
      if (same_constant(prog_.constants[static_cast<std::size_t>(it->second)], c)) return it->second;
    const auto index = static_cast<std::int32_t>(prog_.constants.size());
    prog_.constants.push_back(c);
    constants_.emplace(h, index);
    return index;
  }

  // ---- instructions ----------------------------------------------------------------
  std::uint16_t local_index(const Function& fn, const Token& t, std::uint32_t n) const {
    if (t.kind != Tok::Name) fail(n, t.column, "expected a local name");
    const auto it = locals_.find(t.text);
    if (it == locals_.end()) fail(n, t.column, fmt::format("unknown local '{}' in function {}", t.text, fn.name));
    return it->second;
  }

  std::int32_t imm32(const Token& t, std::uint32_t n, std::string_view what) const {
    if (t.kind != Tok::Int) fail(n, t.column, fmt::format("expected {}", what));
    if (t.i < INT32_MIN || t.i > INT32_MAX)
      fail(n, t.column, fmt::format("{} does not fit in 32 bits (use push_const)", t.i));
    return static_cast<std::int32_t>(t.i);
  }

  void parse_instruction(Function& fn, const std::vector<Token>& toks, std::size_t k, std::uint32_t n,
                         std::vector<Fixup>& fixups) {
    const Token& mn = toks[k];
    const Token& t1 = toks[k + 1];
    Instr in{};
    std::size_t next = k + 2;  // first token after the instruction, for the end-of-line check
    if (mn.text == "push") {
      // Shorthand: pick the smallest encoding for the literal.
      Constant c;
      if (t1.kind == Tok::Name && (t1.text == "nil" || t1.text == "true" || t1.text == "false")) {
        in.op = t1.text == "nil" ? Op::NIL : (t1.text == "true" ? Op::TRUE : Op::FALSE);
      } else if (t1.kind == Tok::Int && t1.i >= INT32_MIN && t1.i <= INT32_MAX) {
        in.op = Op::PUSH_INT;
        in.b = static_cast<std::int32_t>(t1.i);
      } else if (literal_constant(t1, c, false)) {
        in.op = Op::PUSH_CONST;
        in.b = add_constant(c);
      } else {
        fail(n, t1.column, "expected a literal after 'push'");
      }
      expect_end(toks, next, n);
      emit(fn, in, n, mn.column);
      return;
    }
    const std::optional<Op> op = op_from_mnemonic(mn.text);
    if (!op) fail(n, mn.column, fmt::format("unknown instruction '{}'", mn.text));
    in.op = *op;
    const OpInfo& info = op_info(*op);
    auto need_name = [&](const Token& t, std::string_view what) {
      if (t.kind != Tok::Name) fail(n, t.column, fmt::format("expected {} after '{}'", what, mn.text));
    };
    auto label_fixup = [&](const Token& t) {
      need_name(t, "a label");
      fixups.push_back({static_cast<std::uint32_t>(fn.code.size()), t.text, n, t.column});
    };
    switch (info.operand) {
      case OperandKind::None: next = k + 1; break;
      case OperandKind::Imm: in.b = imm32(t1, n, fmt::format("an integer after '{}'", mn.text)); break;
      case OperandKind::Const: {
        Constant c;
        if (!literal_constant(t1, c, false))
          fail(n, t1.column, fmt::format("expected an int, float, string or symbol literal after '{}'", mn.text));
        in.b = add_constant(c);
        break;
      }
      case OperandKind::Func: {
        need_name(t1, "a function name");
        const auto f = functions_.find(t1.text);
        if (f == functions_.end()) fail(n, t1.column, fmt::format("unknown function '{}'", t1.text));
        in.b = static_cast<std::int32_t>(f->second);
        break;
      }
      case OperandKind::Local: in.a = local_index(fn, t1, n); break;
      case OperandKind::LocalImm:
        in.a = local_index(fn, t1, n);
        in.b = imm32(toks[k + 2], n, fmt::format("an integer after '{} {}'", mn.text, t1.text));
        next = k + 3;
        break;
      case OperandKind::LocalJump:
        in.a = local_index(fn, t1, n);
        label_fixup(toks[k + 2]);
        next = k + 3;
        break;
      case OperandKind::Global: {
        need_name(t1, "a global name");
        const auto g = globals_.find(t1.text);
        if (g == globals_.end()) fail(n, t1.column, fmt::format("unknown global '{}'", t1.text));
        in.a = g->second;
        break;
      }
      case OperandKind::Capture: {
        need_name(t1, "a capture name");
        const auto c = captures_.find(t1.text);
        if (c == captures_.end())
          fail(n, t1.column, fmt::format("unknown capture '{}' in function {}", t1.text, fn.name));
        in.a = c->second;
        break;
      }
      case OperandKind::Jump: label_fixup(t1); break;
      case OperandKind::Argc: {
        const std::int32_t argc = imm32(t1, n, fmt::format("an argument count after '{}'", mn.text));
        if (argc < 0 || argc > 65535) fail(n, t1.column, "argument count must be 0..65535");
        in.a = static_cast<std::uint16_t>(argc);
        break;
      }
      case OperandKind::Type: {
        need_name(t1, "a type name (nil bool int float symbol function string pair array closure)");
        const std::optional<ValueType> t = type_from_name(t1.text);
        if (!t) fail(n, t1.column, fmt::format("unknown type '{}'", t1.text));
        in.a = static_cast<std::uint16_t>(*t);
        break;
      }
      case OperandKind::Host: {
        need_name(t1, "a host function name (print write read_line args clock random)");
        const std::optional<HostFn> h = host_fn_from_name(t1.text);
        if (!h) fail(n, t1.column, fmt::format("unknown host function '{}'", t1.text));
        in.a = static_cast<std::uint16_t>(*h);
        break;
      }
    }
    expect_end(toks, next, n);
    emit(fn, in, n, mn.column);
  }

  // An instruction at [line] and [column] of the .pwa text, unless a .loc says otherwise.
  void emit(Function& fn, const Instr& in, std::uint32_t line, std::uint32_t column) {
    fn.code.push_back(in);
    fn.lines.push_back(position_ ? position_->line : line);
    fn.columns.push_back(position_ ? position_->column : column);
  }

  // Instructions name globals, locals and captures in 16 bits.
  static constexpr std::size_t kMaxGlobals = 65535;
  static constexpr std::size_t kMaxLocals = 65535;
  static constexpr std::size_t kMaxCaptures = 65535;

  std::string_view src_;
  std::string file_;
  std::vector<std::string_view> lines_;
  Program prog_;
  std::unordered_map<std::string, std::uint32_t> functions_;  // name -> index in prog_.functions
  std::unordered_map<std::string, std::uint16_t> globals_;
  std::unordered_map<std::string, std::uint32_t> symbols_;
  std::unordered_multimap<std::size_t, std::int32_t> constants_;  // constant_hash -> pool index
  std::unordered_map<std::string, std::uint16_t> locals_;    // of the function being assembled
  std::unordered_map<std::string, std::uint16_t> captures_;  // of the function being assembled
  std::string entry_name_ = "main";
  std::uint32_t entry_line_ = 0;
  // Debug information directives.
  std::string source_text_;           // the .text lines, which become the source of a compiled program
  std::optional<Position> position_;  // the source position a .loc set, for the instructions after it
  std::uint32_t header_line_ = 0;     // the line a top-level .loc gives the next function header...
  std::uint32_t header_loc_line_ = 0, header_loc_column_ = 0;  // ...and where that .loc is (0: none pending)
  bool seen_function_ = false;
  // Per .var name of the function being assembled: its open scopes (indices into vars), innermost last.
  std::unordered_map<std::string, std::vector<std::size_t>> open_vars_;
};

}  // namespace

std::size_t decode_escape(std::string_view text, std::size_t at, std::string& out, std::string& error) {
  switch (text[at]) {
    case 'n': out += '\n'; return 1;
    case 't': out += '\t'; return 1;
    case 'r': out += '\r'; return 1;
    case '0': out += '\0'; return 1;
    case '\\': out += '\\'; return 1;
    case '"': out += '"'; return 1;
    case 'x':
      if (at + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[at + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(text[at + 2]))) {
        error = "expected two hex digits after \\x";
        return 0;
      }
      out += static_cast<char>(std::stoi(std::string(text.substr(at + 1, 2)), nullptr, 16));
      return 3;
    default:
      // The byte may be a control byte or half of a UTF-8 sequence: named, never written raw.
      if (std::isprint(static_cast<unsigned char>(text[at])))
        error = fmt::format("unknown escape '\\{}'", text[at]);
      else
        error = fmt::format("unknown escape: a backslash before byte 0x{:02x}", static_cast<unsigned char>(text[at]));
      return 0;
  }
}

bool is_name(std::string_view text) {
  return !text.empty() && name_start(text[0]) && std::all_of(text.begin(), text.end(), name_char);
}

Program assemble(std::string_view source, std::string_view source_name) {
  return Assembler(source, source_name).run();
}

std::shared_ptr<const Program> load_program_text(std::string_view source, std::string_view source_name) {
  auto program = std::make_shared<Program>(assemble(source, source_name));
  verify(*program);
  return program;
}

namespace {

// Throws, in one line, unless [mode] is a regular file's or a pipe's.
void check_program_file_type(const std::string& path, mode_t mode) {
  if (S_ISREG(mode) || S_ISFIFO(mode)) return;
  throw std::runtime_error(fmt::format("{} is {}, not a program", path, file_kind_name(mode)));
}

}  // namespace

std::string read_program_file(const std::string& path_or_dash) {
  // "-" is standard input (`cat p.pwa | pwvm run -`), read as any pipe is.
  const bool dash = path_or_dash == "-";
  const std::string path = dash ? "standard input" : path_or_dash;
  // A directory or a device is refused by its type before it is opened (opening some
  // devices blocks, and reading /dev/zero never ends); a pipe is read as standard input is
  // (`pwvm run <(generate)`).
  struct stat named {};
  if (!dash && ::stat(path.c_str(), &named) == 0) check_program_file_type(path, named.st_mode);
  const int fd = dash ? ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  if (!dash) check_program_file_type(path, st.st_mode);
  const auto too_big = [&] {
    return std::runtime_error(
        fmt::format("{} is larger than {} MiB, the most a program may be", path, kMaxProgramBytes >> 20));
  };
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > kMaxProgramBytes) throw too_big();
  // A pipe or a device says nothing of its size: read one byte past the cap at most.
  std::string text;
  text.resize(S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) + 1 : std::size_t{64} << 10);
  std::size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (used > kMaxProgramBytes) throw too_big();
      text.resize(std::min(text.size() * 2, kMaxProgramBytes + 1));
    }
    const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > kMaxProgramBytes) throw too_big();
  text.resize(used);
  return text;
}

std::shared_ptr<const Program> load_program(const std::string& path) {
  return load_program_text(read_program_file(path), path == "-" ? "<stdin>" : path);
}

}  // namespace pw
