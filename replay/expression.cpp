// Expressions: a lexer that knows the program's names, a recursive-descent parser that
// resolves them into a tree of nodes, and an evaluator that walks the tree.
#include "expression.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "active_frames.h"
#include "assembler.h"
#include "interpreter_support.h"
#include "object.h"
#include "printable.h"
#include "source_vars.h"
#include "state_dump.h"

namespace pw::replay {

namespace detail {

struct ExprNode {
  enum class Kind : std::uint8_t {
    Const, Literal, Name, Local, Global, Stack, Step, Depth, Sp, Object,
    Neg, Not, Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge, And, Or,
    Car, Cdr, Length, Index,
  };
  Kind kind = Kind::Const;
  std::int32_t a = -1, b = -1;           // operands
  std::int32_t global = -1;              // Name, Global: index in vm.globals, -1 for none
  std::int32_t slot = -1;                // Local: slot in a frame of [fn]
  std::int32_t capture = -1;             // Local: capture of the frame's closure, when not a slot
  std::uint64_t object_id = 0;           // Object: the heap object's id
  std::uint32_t fn = 0;                  // Local
  std::uint32_t height = 1;              // of the subtree: bounds the evaluator's recursion
  Value constant;                        // Const
  std::vector<std::int32_t> slot_by_fn;  // Name: its slot in each function, -1 for none
  std::vector<std::int32_t> capture_by_fn;  // Name: its capture in each function, -1 for none
  std::string source_name;               // Local in a source-level function: the variable's name
  std::string text;                      // Literal: its bytes; names: the name, for reasons
};

}  // namespace detail

namespace {

using detail::ExprNode;
using Kind = ExprNode::Kind;

constexpr int kMaxNesting = 100;          // parentheses, brackets, unary operators
constexpr std::uint32_t kMaxHeight = 1000;  // so that evaluation never recurses deeper
constexpr std::size_t kMaxEchoed = 80;    // characters of the expression quoted in an error
constexpr std::uint64_t kIntMinMagnitude = 1ull << 63;

// ---- characters and texts -----------------------------------------------------------

// The assembler's name characters. A name may hold . ? ! - which are operators here too.
bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool plain_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) { return plain_char(c) || c == '.' || c == '?' || c == '!' || c == '-'; }

std::string_view a_type(ValueType t) {
  switch (t) {
    case ValueType::Nil: return "nil";
    case ValueType::Bool: return "a bool";
    case ValueType::Int: return "an int";
    case ValueType::Float: return "a float";
    case ValueType::Symbol: return "a symbol";
    case ValueType::Function: return "a function";
    case ValueType::String: return "a string";
    case ValueType::Pair: return "a pair";
    case ValueType::Array: return "an array";
    case ValueType::Closure: return "a closure";
  }
  return "a value";
}

// The expression as quoted in an error: one line, printable, not too long.
std::string echo(std::string_view text) {
  std::string out = printable(text.substr(0, kMaxEchoed));
  if (text.size() > kMaxEchoed) out += "...";
  return out;
}

// The message too may quote the text (an unknown escape names its byte).
[[noreturn]] void fail(std::string_view text, std::size_t column, std::string_view message) {
  throw ExpressionError(fmt::format("expression '{}': {} at column {}", echo(text), printable(message), column));
}

std::string float_text(double f) {
  std::string s = fmt::format("{}", f);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // 2.0, not 2
  return s;
}

// ---- tokens -------------------------------------------------------------------------

enum class Tok : std::uint8_t { Name, Int, Float, String, Symbol, Dollar, ObjectId, Punct, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;              // name, punctuation, decoded string, symbol or $ name
  std::string_view spelling;     // as written, for errors
  std::uint64_t magnitude = 0;   // Int: up to 2^63, which only a leading '-' makes fit
  double f = 0;
  std::uint32_t sym = 0;
  std::size_t column = 1;
};

class Lexer {
 public:
  Lexer(std::string_view text, const Program& p) : text_(text) {
    for (const std::string& g : p.globals) names_.insert(g);
    for (const Function& f : p.functions) {
      names_.insert(f.name);
      for (const std::string& l : f.locals) names_.insert(l);
      for (const std::string& c : f.captures) names_.insert(c);
      // Source names (.pwl) may hold characters that are operators here: `*count*`, `a->b`.
      for (const std::string* n : {&f.source_name, &f.name}) add_source_name(*n);
      for (const SourceVar& v : f.vars) add_source_name(v.name);
    }
    for (const std::string& g : p.globals) add_source_name(g);
    for (std::size_t i = p.symbols.size(); i-- > 0;) symbols_[p.symbols[i]] = static_cast<std::uint32_t>(i);
  }

  std::vector<Token> run() {
    std::vector<Token> out;
    std::size_t i = 0;
    const std::size_t n = text_.size();
    while (i < n) {
      const char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i;
        continue;
      }
      Token t;
      t.column = i + 1;
      const std::size_t start = i;
      if (const std::size_t len = source_name_at(i)) {
        t.kind = Tok::Name;
        t.text = std::string(text_.substr(i, len));
        i += len;
      } else if (name_start(c)) {
        // After '.' comes car, cdr or length: never a name holding more dots.
        const bool after_dot = !out.empty() && out.back().kind == Tok::Punct && out.back().text == ".";
        i += after_dot ? plain_length(i) : name_length(i, [&](std::string_view s) { return is_name(s); });
        t.kind = Tok::Name;
        t.text = std::string(text_.substr(start, i - start));
      } else if (c == '$') {
        const std::size_t len = plain_length(i + 1);
        if (len == 0) fail(text_, t.column, "expected a name after '$'");
        t.kind = Tok::Dollar;
        t.text = std::string(text_.substr(i + 1, len));
        i += 1 + len;
      } else if (c == '#') {
        // #ID: the heap object with that id, as values show it ("[1, 2] #14").
        std::size_t j = i + 1;
        std::uint64_t id = 0;
        while (j < n && std::isdigit(static_cast<unsigned char>(text_[j]))) {
          if (id > (UINT64_MAX - 9) / 10) fail(text_, t.column, "object id does not fit in 64 bits");
          id = id * 10 + static_cast<std::uint64_t>(text_[j] - '0');
          ++j;
        }
        if (j == i + 1) fail(text_, t.column, "expected an object id after '#'");
        t.kind = Tok::ObjectId;
        t.magnitude = id;
        i = j;
      } else if (c == '\'') {
        if (i + 1 >= n || !name_start(text_[i + 1])) fail(text_, t.column, "expected a symbol name after '");
        const std::size_t len = name_length(i + 1, [&](std::string_view s) { return symbols_.contains(s); });
        const auto it = symbols_.find(text_.substr(i + 1, len));
        if (it == symbols_.end()) {
          std::size_t end = i + 1;
          while (end < n && name_char(text_[end])) ++end;
          fail(text_, t.column, fmt::format("the program has no symbol '{}'", text_.substr(i + 1, end - i - 1)));
        }
        t.kind = Tok::Symbol;
        t.text = std::string(it->first);
        t.sym = it->second;
        i += 1 + len;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        i = number(i, t);
      } else if (c == '"') {
        i = string_literal(i, t);
      } else {
        i = punct(i, t);
      }
      t.spelling = text_.substr(start, i - start);
      out.push_back(std::move(t));
    }
    Token end;
    end.column = n + 1;
    end.spelling = "the end";
    out.push_back(std::move(end));
    return out;
  }

 private:
  bool is_name(std::string_view s) const {
    return names_.contains(s) || s == "nil" || s == "true" || s == "false";
  }

  std::size_t plain_length(std::size_t i) const {
    std::size_t j = i;
    while (j < text_.size() && plain_char(text_[j])) ++j;
    return j - i;
  }

  // The longest run of name characters at [i] that [known] accepts, cut only before
  // . ? ! - (so `a-b` is a name only if the program has one); else the plain identifier.
  void add_source_name(std::string_view name) {
    if (name.empty()) return;
    names_.insert(name);
    if (!name_start(name[0]) || !std::all_of(name.begin(), name.end(), name_char)) source_names_.push_back(name);
  }

  // The length of the longest source name with operator characters that starts at [i]
  // and ends where a name may end; 0 for none.
  std::size_t source_name_at(std::size_t i) const {
    std::size_t best = 0;
    for (const std::string_view name : source_names_) {
      if (name.size() <= best || text_.substr(i, name.size()) != name) continue;
      const std::size_t end = i + name.size();
      if (end < text_.size() && plain_char(text_[end])) continue;
      best = name.size();
    }
    return best;
  }

  template <class Known>
  std::size_t name_length(std::size_t i, Known known) const {
    std::size_t end = i;
    while (end < text_.size() && name_char(text_[end])) ++end;
    for (std::size_t k = end; k > i; --k) {
      if (k < end && plain_char(text_[k])) continue;
      if (known(text_.substr(i, k - i))) return k - i;
    }
    return plain_length(i);
  }

  std::size_t number(std::size_t i, Token& t) const {
    const std::size_t n = text_.size();
    const std::size_t start = i;
    bool is_float = false;
    const auto digit = [&](std::size_t k) { return k < n && std::isdigit(static_cast<unsigned char>(text_[k])); };
    std::size_t j = i;
    if (text_[j] == '0' && j + 1 < n && (text_[j + 1] == 'x' || text_[j + 1] == 'X')) {
      j += 2;
      while (j < n && std::isxdigit(static_cast<unsigned char>(text_[j]))) ++j;
      if (j == start + 2) fail(text_, start + 1, "expected hex digits after 0x");
    } else {
      while (digit(j)) ++j;
      if (j < n && text_[j] == '.' && digit(j + 1)) {
        is_float = true;
        ++j;
        while (digit(j)) ++j;
      }
      if (j < n && (text_[j] == 'e' || text_[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < n && (text_[k] == '+' || text_[k] == '-')) ++k;
        if (digit(k)) {
          is_float = true;
          j = k;
          while (digit(j)) ++j;
        }
      }
    }
    std::size_t end = j;
    while (end < n && plain_char(text_[end])) ++end;
    const std::string spelled(text_.substr(start, end - start));
    if (end != j) fail(text_, start + 1, fmt::format("malformed number '{}'", spelled));
    if (is_float) {
      t.kind = Tok::Float;
      t.f = std::strtod(spelled.c_str(), nullptr);
      if (!std::isfinite(t.f)) fail(text_, start + 1, fmt::format("float literal {} is out of range", spelled));
      return j;
    }
    const bool hex = spelled.size() > 1 && (spelled[1] == 'x' || spelled[1] == 'X');
    const unsigned base = hex ? 16 : 10;
    std::uint64_t v = 0;
    for (std::size_t k = hex ? 2 : 0; k < spelled.size(); ++k) {
      const char c = spelled[k];
      const unsigned d = std::isdigit(static_cast<unsigned char>(c)) ? unsigned(c - '0')
                                                                      : unsigned(std::tolower(c) - 'a' + 10);
      if (v > (kIntMinMagnitude - d) / base)
        fail(text_, start + 1, fmt::format("integer literal {} does not fit in 64 bits", spelled));
      v = v * base + d;
    }
    t.kind = Tok::Int;
    t.magnitude = v;
    return j;
  }

  // The assembler's escapes: \n \t \r \0 \\ \" \xHH.
  std::size_t string_literal(std::size_t i, Token& t) const {
    const std::size_t n = text_.size();
    const std::size_t open = i;
    t.kind = Tok::String;
    ++i;
    while (i < n) {
      const char c = text_[i];
      if (c == '"') return i + 1;
      if (c != '\\') {
        t.text += c;
        ++i;
        continue;
      }
      if (i + 1 >= n) break;
      std::string error;
      const std::size_t used = decode_escape(text_, i + 1, t.text, error);  // the assembler's escapes
      if (!used) fail(text_, i + 1, error);
      i += 1 + used;
    }
    fail(text_, open + 1, "unterminated string: expected a closing '\"'");
  }

  std::size_t punct(std::size_t i, Token& t) const {
    static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "&&", "||", "::"};
    static constexpr std::string_view kOne = "()[].+-*/%!<>";
    t.kind = Tok::Punct;
    for (const std::string_view p : kTwo) {
      if (text_.substr(i, 2) == p) {
        t.text = std::string(p);
        return i + 2;
      }
    }
    const char c = text_[i];
    if (kOne.find(c) != std::string_view::npos) {
      t.text = std::string(1, c);
      return i + 1;
    }
    if (c == '=') fail(text_, i + 1, "unexpected '=' (compare with '==')");
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f) fail(text_, i + 1, fmt::format("unexpected character '{}'", c));
    fail(text_, i + 1, fmt::format("unexpected byte 0x{:02x}", u));
  }

  std::string_view text_;
  std::unordered_set<std::string_view> names_;
  std::vector<std::string_view> source_names_;  // known names that hold operator characters
  std::unordered_map<std::string_view, std::uint32_t> symbols_;  // name -> first index
};

// ---- parser -------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view text, const Program& p, std::vector<ExprNode>& nodes)
      : text_(text), program_(p), toks_(Lexer(text, p).run()), nodes_(nodes) {}

  void parse() {
    if (peek().kind == Tok::End) fail_at(peek(), "expected an expression");
    or_expr();
    if (peek().kind != Tok::End) fail_at(peek(), fmt::format("unexpected '{}'", echo(peek().spelling)));
  }

 private:
  const Token& peek() const { return toks_[pos_]; }
  const Token& next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
  bool at(std::string_view punct) const { return peek().kind == Tok::Punct && peek().text == punct; }

  [[noreturn]] void fail_at(const Token& t, std::string_view message) const { fail(text_, t.column, message); }

  void expect(std::string_view punct) {
    if (!at(punct)) fail_at(peek(), fmt::format("expected '{}'", punct));
    next();
  }

  void enter(const Token& t) {
    if (++depth_ > kMaxNesting) fail_at(t, fmt::format("expression nested more than {} levels deep", kMaxNesting));
  }
  void leave() { --depth_; }

  std::int32_t add(ExprNode n, const Token& where) {
    for (const std::int32_t c : {n.a, n.b})
      if (c >= 0) n.height = std::max(n.height, nodes_[static_cast<std::size_t>(c)].height + 1);
    if (n.height > kMaxHeight) fail_at(where, fmt::format("expression more than {} operations deep", kMaxHeight));
    nodes_.push_back(std::move(n));
    return static_cast<std::int32_t>(nodes_.size() - 1);
  }
  std::int32_t op(Kind k, std::int32_t a, std::int32_t b, const Token& where) {
    ExprNode n;
    n.kind = k;
    n.a = a;
    n.b = b;
    return add(std::move(n), where);
  }
  std::int32_t constant(Value v, const Token& where) {
    ExprNode n;
    n.kind = Kind::Const;
    n.constant = v;
    return add(std::move(n), where);
  }

  std::int32_t or_expr() {
    std::int32_t l = and_expr();
    while (at("||")) {
      const Token& t = next();
      l = op(Kind::Or, l, and_expr(), t);
    }
    return l;
  }

  std::int32_t and_expr() {
    std::int32_t l = cmp_expr();
    while (at("&&")) {
      const Token& t = next();
      l = op(Kind::And, l, cmp_expr(), t);
    }
    return l;
  }

  std::optional<Kind> comparison() const {
    if (peek().kind != Tok::Punct) return std::nullopt;
    const std::string& s = peek().text;
    if (s == "==") return Kind::Eq;
    if (s == "!=") return Kind::Ne;
    if (s == "<") return Kind::Lt;
    if (s == "<=") return Kind::Le;
    if (s == ">") return Kind::Gt;
    if (s == ">=") return Kind::Ge;
    return std::nullopt;
  }

  std::int32_t cmp_expr() {
    std::int32_t l = add_expr();
    if (const auto k = comparison()) {
      const Token& t = next();
      l = op(*k, l, add_expr(), t);
      if (comparison()) fail_at(peek(), "comparisons do not chain: join them with &&");
    }
    return l;
  }

  std::int32_t add_expr() {
    std::int32_t l = mul_expr();
    while (at("+") || at("-")) {
      const Token& t = next();
      l = op(t.text == "+" ? Kind::Add : Kind::Sub, l, mul_expr(), t);
    }
    return l;
  }

  std::int32_t mul_expr() {
    std::int32_t l = unary();
    while (at("*") || at("/") || at("%")) {
      const Token& t = next();
      const Kind k = t.text == "*" ? Kind::Mul : t.text == "/" ? Kind::Div : Kind::Mod;
      l = op(k, l, unary(), t);
    }
    return l;
  }

  std::int32_t unary() {
    if (!at("-") && !at("!")) return postfix();
    const Token& t = next();
    // -9223372036854775808 is a literal; 9223372036854775808 alone does not fit.
    if (t.text == "-" && peek().kind == Tok::Int && peek().magnitude == kIntMinMagnitude &&
        pos_ + 1 < toks_.size() && !(toks_[pos_ + 1].kind == Tok::Punct &&
                                     (toks_[pos_ + 1].text == "." || toks_[pos_ + 1].text == "["))) {
      return constant(Value::integer(INT64_MIN), next());
    }
    enter(t);
    const std::int32_t operand = unary();
    leave();
    // Fold -LITERAL: $stack[-1] should cost no more than $stack[1].
    ExprNode& o = nodes_[static_cast<std::size_t>(operand)];
    if (t.text == "-" && o.kind == Kind::Const && o.constant.is_int() && o.constant.i != INT64_MIN) {
      o.constant.i = -o.constant.i;
      return operand;
    }
    if (t.text == "-" && o.kind == Kind::Const && o.constant.type == ValueType::Float) {
      o.constant.f = -o.constant.f;
      return operand;
    }
    return op(t.text == "-" ? Kind::Neg : Kind::Not, operand, -1, t);
  }

  std::int32_t postfix() {
    std::int32_t n = primary();
    for (;;) {
      if (at(".")) {
        next();
        const Token& f = next();
        Kind k;
        if (f.kind == Tok::Name && f.text == "car") k = Kind::Car;
        else if (f.kind == Tok::Name && f.text == "cdr") k = Kind::Cdr;
        else if (f.kind == Tok::Name && f.text == "length") k = Kind::Length;
        else fail_at(f, "expected car, cdr or length after '.'");
        n = op(k, n, -1, f);
      } else if (at("[")) {
        const Token& t = next();
        enter(t);
        const std::int32_t index = or_expr();
        expect("]");
        leave();
        n = op(Kind::Index, n, index, t);
      } else {
        return n;
      }
    }
  }

  std::int32_t primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::Int:
        if (t.magnitude > static_cast<std::uint64_t>(INT64_MAX))
          fail_at(t, fmt::format("integer literal {} does not fit in 64 bits", t.spelling));
        return constant(Value::integer(static_cast<std::int64_t>(t.magnitude)), next());
      case Tok::Float: return constant(Value::number(t.f), next());
      case Tok::Symbol: return constant(Value::symbol(t.sym), next());
      case Tok::String: {
        ExprNode n;
        n.kind = Kind::Literal;
        n.text = t.text;
        return add(std::move(n), next());
      }
      case Tok::Dollar: return special();
      case Tok::ObjectId: {
        ExprNode n;
        n.kind = Kind::Object;
        n.object_id = t.magnitude;
        n.text = fmt::format("#{}", t.magnitude);
        return add(std::move(n), next());
      }
      case Tok::Name: {
        if (t.text == "nil") return constant(Value::nil(), next());
        if (t.text == "true") return constant(Value::boolean(true), next());
        if (t.text == "false") return constant(Value::boolean(false), next());
        next();
        if (at("::")) return scoped(t);
        return bare(t);
      }
      case Tok::Punct:
        if (t.text == "::") {
          next();
          const Token& name = next();
          if (name.kind != Tok::Name) fail_at(name, "expected a global name after '::'");
          const int g = program_.find_global(name.text);
          if (g < 0) fail_at(name, fmt::format("no global is named '{}'", name.text));
          ExprNode n;
          n.kind = Kind::Global;
          n.global = g;
          n.text = name.text;
          return add(std::move(n), name);
        }
        if (t.text == "(") {
          enter(t);
          next();
          const std::int32_t inner = or_expr();
          expect(")");
          leave();
          return inner;
        }
        break;
      default: break;
    }
    fail_at(t, "expected an expression");
  }

  std::int32_t special() {
    const Token& t = next();
    if (t.text == "stack") {
      if (!at("[")) fail_at(peek(), "expected '[' after $stack");
      const Token& open = next();
      enter(open);
      const std::int32_t index = or_expr();
      expect("]");
      leave();
      return op(Kind::Stack, index, -1, t);
    }
    Kind k;
    if (t.text == "step") k = Kind::Step;
    else if (t.text == "depth") k = Kind::Depth;
    else if (t.text == "sp") k = Kind::Sp;
    else fail_at(t, fmt::format("unknown variable '${}' (there are $stack[i], $step, $depth and $sp)", t.text));
    return op(k, -1, -1, t);
  }

  // FUNC::NAME, the local of the innermost active frame of FUNC (a source-level function
  // and its variables by their source names).
  std::int32_t scoped(const Token& fn_tok) {
    next();  // ::
    const Token& name = next();
    if (name.kind != Tok::Name) fail_at(name, "expected a local name after '::'");
    int f = program_.find_function(fn_tok.text);
    for (std::size_t i = 0; f < 0 && i < program_.functions.size(); ++i)
      if (program_.functions[i].source_name == fn_tok.text) f = static_cast<int>(i);
    if (f < 0) fail_at(fn_tok, fmt::format("no function is named '{}'", fn_tok.text));
    const Function& fn = program_.functions[static_cast<std::size_t>(f)];
    std::int32_t slot = -1, capture = -1;
    if (!fn.vars.empty()) {
      const bool any = std::any_of(fn.vars.begin(), fn.vars.end(), [&](const SourceVar& v) { return v.name == name.text; });
      if (!any) fail_at(name, fmt::format("function {} has no variable '{}'", fn.display_name(), name.text));
    } else {
      for (std::size_t i = 0; i < fn.locals.size(); ++i)
        if (fn.locals[i] == name.text) slot = static_cast<std::int32_t>(i);
      for (std::size_t i = 0; slot < 0 && i < fn.captures.size(); ++i)
        if (fn.captures[i] == name.text) capture = static_cast<std::int32_t>(i);
      if (slot < 0 && capture < 0) fail_at(name, fmt::format("function {} has no local '{}'", fn.name, name.text));
    }
    ExprNode n;
    n.kind = Kind::Local;
    n.fn = static_cast<std::uint32_t>(f);
    n.slot = slot;
    n.capture = capture;
    if (!fn.vars.empty()) n.source_name = name.text;
    n.text = fn.display_name() + "::" + name.text;
    return add(std::move(n), name);
  }

  // NAME: the top frame's local if its function has one, else the global.
  std::int32_t bare(const Token& t) {
    ExprNode n;
    n.kind = Kind::Name;
    n.text = t.text;
    n.global = program_.find_global(t.text);
    bool any = n.global >= 0;
    n.slot_by_fn.assign(program_.functions.size(), -1);
    n.capture_by_fn.assign(program_.functions.size(), -1);
    for (std::size_t f = 0; f < program_.functions.size(); ++f) {
      const Function& fn = program_.functions[f];
      if (!fn.vars.empty()) {  // a source-level function: only its source variables, by scope
        any = any || std::any_of(fn.vars.begin(), fn.vars.end(), [&](const SourceVar& v) { return v.name == t.text; });
        continue;
      }
      const auto& locals = fn.locals;
      for (std::size_t i = 0; i < locals.size(); ++i) {
        if (locals[i] == t.text) {
          n.slot_by_fn[f] = static_cast<std::int32_t>(i);
          any = true;
          break;
        }
      }
      const auto& captures = program_.functions[f].captures;
      for (std::size_t i = 0; n.slot_by_fn[f] < 0 && i < captures.size(); ++i) {
        if (captures[i] == t.text) {
          n.capture_by_fn[f] = static_cast<std::int32_t>(i);
          any = true;
          break;
        }
      }
    }
    if (!any) fail_at(t, fmt::format("no global, local or capture is named '{}'", t.text));
    return add(std::move(n), t);
  }

  std::string_view text_;
  const Program& program_;
  std::vector<Token> toks_;
  std::vector<ExprNode>& nodes_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// ---- evaluation ---------------------------------------------------------------------

// A value in flight: a VM value, or a string literal of the expression (never in the VM).
struct Operand {
  Value v;
  const std::string* lit = nullptr;
};

bool is_number(const Value& v) { return v.type == ValueType::Int || v.type == ValueType::Float; }
double as_double(const Value& v) { return v.type == ValueType::Int ? static_cast<double>(v.i) : v.f; }
bool is_text(const Operand& o) { return o.lit || o.v.type == ValueType::String; }
std::string_view text_of(const Operand& o) { return o.lit ? std::string_view(*o.lit) : as_string(o.v)->view(); }
std::string_view a_type(const Operand& o) { return o.lit ? "a string" : a_type(o.v.type); }
bool truthy(const Operand& o) { return o.lit || o.v.truthy(); }

std::string_view op_name(Kind k) {
  switch (k) {
    case Kind::Add: return "+";
    case Kind::Sub: return "-";
    case Kind::Mul: return "*";
    case Kind::Div: return "/";
    case Kind::Mod: return "%";
    case Kind::Lt: return "<";
    case Kind::Le: return "<=";
    case Kind::Gt: return ">";
    case Kind::Ge: return ">=";
    default: return "?";
  }
}

// As the VM's eq: numbers by value, strings by content, other references by identity.
bool equal(const Operand& x, const Operand& y) {
  if (is_text(x) && is_text(y)) return text_of(x) == text_of(y);
  if (x.lit || y.lit) return false;
  return pw::detail::values_equal(x.v, y.v);  // the VM's eq
}

// As the VM's lt/le/gt/ge: two numbers (NaN compares false) or two strings, bytewise.
bool compare(Kind k, const Operand& x, const Operand& y, Operand& out, std::string& why) {
  int c;
  if (!x.lit && !y.lit && is_number(x.v) && is_number(y.v)) {
    if (x.v.is_int() && y.v.is_int()) {
      c = x.v.i < y.v.i ? -1 : (x.v.i > y.v.i ? 1 : 0);
    } else {
      const double a = as_double(x.v), b = as_double(y.v);
      if (std::isnan(a) || std::isnan(b)) {
        out = {Value::boolean(false), nullptr};
        return true;
      }
      c = a < b ? -1 : (a > b ? 1 : 0);
    }
  } else if (is_text(x) && is_text(y)) {
    const int r = text_of(x).compare(text_of(y));
    c = r < 0 ? -1 : (r > 0 ? 1 : 0);
  } else {
    why = fmt::format("{} compares two numbers or two strings, not {} and {}", op_name(k), a_type(x), a_type(y));
    return false;
  }
  bool r = false;
  switch (k) {
    case Kind::Lt: r = c < 0; break;
    case Kind::Le: r = c <= 0; break;
    case Kind::Gt: r = c > 0; break;
    case Kind::Ge: r = c >= 0; break;
    default: break;
  }
  out = {Value::boolean(r), nullptr};
  return true;
}

// As the VM: checked ints, division and modulo floored, ints and floats mix as floats.
bool arith(Kind k, const Operand& x, const Operand& y, Operand& out, std::string& why) {
  if (x.lit || y.lit || !is_number(x.v) || !is_number(y.v)) {
    why = fmt::format("{} needs two numbers, not {} and {}", op_name(k), a_type(x), a_type(y));
    return false;
  }
  if ((k == Kind::Div || k == Kind::Mod) && as_double(y.v) == 0) {
    why = k == Kind::Div ? "division by zero" : "modulo by zero";
    return false;
  }
  out.lit = nullptr;
  if (x.v.is_int() && y.v.is_int()) {
    const std::int64_t a = x.v.i, b = y.v.i;
    std::int64_t r = 0;
    bool overflow = false;
    switch (k) {
      case Kind::Add: overflow = __builtin_add_overflow(a, b, &r); break;
      case Kind::Sub: overflow = __builtin_sub_overflow(a, b, &r); break;
      case Kind::Mul: overflow = __builtin_mul_overflow(a, b, &r); break;
      default:
        if (a == INT64_MIN && b == -1) {
          overflow = k == Kind::Div;
          break;  // r = 0 for the modulo
        }
        {
          std::int64_t q = a / b, m = a % b;
          if (m != 0 && ((m < 0) != (b < 0))) {
            q -= 1;
            m += b;
          }
          r = k == Kind::Div ? q : m;
        }
    }
    if (overflow) {
      why = fmt::format("{} {} {} does not fit in a 64-bit int", a, op_name(k), b);
      return false;
    }
    out.v = Value::integer(r);
    return true;
  }
  const double a = as_double(x.v), b = as_double(y.v);
  double r = 0;
  switch (k) {
    case Kind::Add: r = a + b; break;
    case Kind::Sub: r = a - b; break;
    case Kind::Mul: r = a * b; break;
    case Kind::Div: r = a / b; break;
    default: r = a - std::floor(a / b) * b; break;
  }
  out.v = Value::number(r);
  return true;
}

// Index [i] into [length] items, negative from the end; -1 when out of range.
std::int64_t item_index(std::int64_t i, std::int64_t length) {
  const std::int64_t k = i < 0 ? i + length : i;
  return k >= 0 && k < length ? k : -1;
}

bool index_into(const Operand& x, const Operand& i, Operand& out, std::string& why) {
  if (i.lit || !i.v.is_int()) {
    why = fmt::format("an index must be an int, not {}", a_type(i));
    return false;
  }
  std::int64_t length;
  const bool closure = !x.lit && x.v.type == ValueType::Closure;  // its captures, in order
  if (!x.lit && (x.v.type == ValueType::Array || closure)) length = x.v.obj->length;
  else if (is_text(x)) length = static_cast<std::int64_t>(text_of(x).size());
  else {
    why = fmt::format("cannot index {}", a_type(x));
    return false;
  }
  const std::int64_t k = item_index(i.v.i, length);
  if (k < 0) {
    why = fmt::format("index {} is out of range for {} of {}", i.v.i,
                      closure ? "a closure's captures" : !x.lit && x.v.type == ValueType::Array ? "an array" : "a string", length);
    return false;
  }
  if (closure) out.v = static_cast<const ClosureObj*>(x.v.obj)->captures()[k];
  else if (!x.lit && x.v.type == ValueType::Array) out.v = as_array(x.v)->items()[k];
  else out.v = Value::integer(static_cast<unsigned char>(text_of(x)[static_cast<std::size_t>(k)]));
  out.lit = nullptr;
  return true;
}

std::string_view function_name(const VmState& vm, std::uint32_t fn) {
  const auto& fns = vm.program().functions;
  return fn < fns.size() ? std::string_view(fns[fn].display_name()) : std::string_view("?");
}

// Capture [index] of the closure frame [f] runs, or nullptr (a plain function's frame).
const Value* capture_of(const Frame& f, std::int32_t index) {
  if (!f.closure || index < 0 || static_cast<std::uint32_t>(index) >= f.closure->length) return nullptr;
  return f.closure->captures() + index;
}

// The value a Name, Local or Global node reads, or nullptr (not such a node, or unavailable).
const Value* lone_name(const ExprNode& node, const VmState& vm, std::uint32_t depth, const ActiveFrames* frames) {
  switch (node.kind) {
    case Kind::Name:
      if (depth > 0) {
        const Frame& f = vm.frames[depth - 1];
        const Function& fn = vm.function_of(f);
        if (!fn.vars.empty()) {  // in scope here, by its source name; else the global
          if (const SourceVar* v = visible_var(fn, node.text, frame_ip(vm, depth))) return source_var_place(f, *v);
        }
        if (f.fn < node.slot_by_fn.size() && node.slot_by_fn[f.fn] >= 0) return &f.base[node.slot_by_fn[f.fn]];
        if (f.fn < node.capture_by_fn.size() && node.capture_by_fn[f.fn] >= 0) {
          if (const Value* v = capture_of(f, node.capture_by_fn[f.fn])) return v;
        }
      }
      [[fallthrough]];
    case Kind::Global:
      if (node.global >= 0 && static_cast<std::size_t>(node.global) < vm.globals.size())
        return &vm.globals[static_cast<std::size_t>(node.global)];
      return nullptr;
    case Kind::Local: {
      // The innermost active frame of the function: from the index when one follows the run
      // (no scan of a deep stack at every call), else by looking down from the top.
      const auto read = [&](const Frame& f) -> const Value* {
        if (!node.source_name.empty()) {
          const auto d = static_cast<std::uint32_t>(&f - vm.frames) + 1;
          const SourceVar* v = visible_var(vm.function_of(f), node.source_name, frame_ip(vm, d));
          return v ? source_var_place(f, *v) : nullptr;
        }
        return node.slot >= 0 ? &f.base[node.slot] : capture_of(f, node.capture);
      };
      if (frames) {
        const Frame* f = frames->innermost(node.fn, depth);
        return f ? read(*f) : nullptr;
      }
      for (std::uint32_t d = depth; d-- > 0;)
        if (vm.frames[d].fn == node.fn) return read(vm.frames[d]);
      return nullptr;
    }
    default: return nullptr;
  }
}

bool eval(const std::vector<ExprNode>& nodes, std::int32_t n, const VmState& vm, std::uint32_t depth,
          const ActiveFrames* frames, Operand& out, std::string& why) {
  const ExprNode& node = nodes[static_cast<std::size_t>(n)];
  const auto value = [&](const Value& v) {
    out.v = v;
    out.lit = nullptr;
    return true;
  };
  switch (node.kind) {
    case Kind::Const: return value(node.constant);
    case Kind::Literal: out.lit = &node.text; return true;
    case Kind::Name:
    case Kind::Local:
    case Kind::Global:
      if (const Value* v = lone_name(node, vm, depth, frames)) return value(*v);
      if (node.kind == Kind::Local) {
        why = fmt::format("no active frame of {}", function_name(vm, node.fn));
      } else if (node.kind == Kind::Global) {
        why = fmt::format("no global {} in this VM", node.text);
      } else {
        why = depth > 0 ? fmt::format("{} has no local {} and there is no global {}",
                                      function_name(vm, vm.frames[depth - 1].fn), node.text, node.text)
                           : fmt::format("no active frame and no global {}", node.text);
      }
      return false;
    case Kind::Stack: {
      Operand i;
      if (!eval(nodes, node.a, vm, depth, frames, i, why)) return false;
      if (i.lit || !i.v.is_int()) {
        why = fmt::format("a stack index must be an int, not {}", a_type(i));
        return false;
      }
      const auto size = static_cast<std::int64_t>(vm.stack_size());
      const std::int64_t k = item_index(i.v.i, size);
      if (k < 0) {
        why = fmt::format("stack slot {} is out of range for a stack of {}", i.v.i, size);
        return false;
      }
      return value(vm.stack[k]);
    }
    case Kind::Object: {
      // Objects are listed in id order: a binary search, and a collected one is gone.
      const auto& objects = vm.heap.objects();
      const auto it = std::lower_bound(objects.begin(), objects.end(), node.object_id,
                                       [](const Object* o, std::uint64_t id) { return o->id < id; });
      if (it == objects.end() || (*it)->id != node.object_id) {
        why = node.object_id < vm.heap.next_id() ? fmt::format("object #{} has been collected", node.object_id)
                                                 : fmt::format("object #{} is not allocated yet", node.object_id);
        return false;
      }
      return value(Value::object((*it)->kind, *it));
    }
    case Kind::Step: return value(Value::integer(static_cast<std::int64_t>(vm.step)));
    case Kind::Depth: return value(Value::integer(vm.depth));
    case Kind::Sp: return value(Value::integer(static_cast<std::int64_t>(vm.stack_size())));
    case Kind::Not: {
      if (!eval(nodes, node.a, vm, depth, frames, out, why)) return false;
      return value(Value::boolean(!truthy(out)));
    }
    case Kind::Neg: {
      if (!eval(nodes, node.a, vm, depth, frames, out, why)) return false;
      if (!out.lit && out.v.is_int() && out.v.i != INT64_MIN) return value(Value::integer(-out.v.i));
      if (!out.lit && out.v.type == ValueType::Float) return value(Value::number(-out.v.f));
      why = !out.lit && out.v.is_int() ? fmt::format("-({}) does not fit in a 64-bit int", out.v.i)
                                       : fmt::format("- needs a number, not {}", a_type(out));
      return false;
    }
    case Kind::And:
    case Kind::Or: {
      if (!eval(nodes, node.a, vm, depth, frames, out, why)) return false;
      if (truthy(out) != (node.kind == Kind::And)) return value(Value::boolean(node.kind == Kind::Or));
      if (!eval(nodes, node.b, vm, depth, frames, out, why)) return false;
      return value(Value::boolean(truthy(out)));
    }
    case Kind::Car:
    case Kind::Cdr:
    case Kind::Length: {
      if (!eval(nodes, node.a, vm, depth, frames, out, why)) return false;
      if (node.kind == Kind::Length) {
        if (!out.lit && out.v.type == ValueType::Array) return value(Value::integer(as_array(out.v)->length));
        if (is_text(out)) return value(Value::integer(static_cast<std::int64_t>(text_of(out).size())));
        why = fmt::format("length of {}", a_type(out));
        return false;
      }
      if (!out.lit && out.v.type == ValueType::Pair) {
        const PairObj* p = as_pair(out.v);
        return value(node.kind == Kind::Car ? p->car : p->cdr);
      }
      why = fmt::format("{} of {}", node.kind == Kind::Car ? "car" : "cdr", a_type(out));
      return false;
    }
    default: break;
  }
  // The binary operators but && and ||: both operands, left first.
  Operand x, y;
  if (!eval(nodes, node.a, vm, depth, frames, x, why) || !eval(nodes, node.b, vm, depth, frames, y, why)) return false;
  switch (node.kind) {
    case Kind::Eq: return value(Value::boolean(equal(x, y)));
    case Kind::Ne: return value(Value::boolean(!equal(x, y)));
    case Kind::Lt:
    case Kind::Le:
    case Kind::Gt:
    case Kind::Ge: return compare(node.kind, x, y, out, why);
    case Kind::Index: return index_into(x, y, out, why);
    default: return arith(node.kind, x, y, out, why);
  }
}

// The slot node [n] reads, for the node kinds that read one.
const Value* place(const std::vector<ExprNode>& nodes, std::int32_t n, const VmState& vm, std::uint32_t depth,
                   const ActiveFrames* frames) {
  const ExprNode& node = nodes[static_cast<std::size_t>(n)];
  Operand x, i;
  std::string why;
  switch (node.kind) {
    case Kind::Name:
    case Kind::Local:
    case Kind::Global: return lone_name(node, vm, depth, frames);
    case Kind::Stack: {
      if (!eval(nodes, node.a, vm, depth, frames, i, why) || i.lit || !i.v.is_int()) return nullptr;
      const std::int64_t k = item_index(i.v.i, static_cast<std::int64_t>(vm.stack_size()));
      return k < 0 ? nullptr : vm.stack + k;
    }
    case Kind::Car:
    case Kind::Cdr:
      if (!eval(nodes, node.a, vm, depth, frames, x, why) || x.lit || x.v.type != ValueType::Pair) return nullptr;
      return node.kind == Kind::Car ? &as_pair(x.v)->car : &as_pair(x.v)->cdr;
    case Kind::Index: {
      if (!eval(nodes, node.a, vm, depth, frames, x, why) || !eval(nodes, node.b, vm, depth, frames, i, why))
        return nullptr;
      if (x.lit || i.lit || !i.v.is_int()) return nullptr;
      if (x.v.type == ValueType::Closure) {
        const std::int64_t k = item_index(i.v.i, x.v.obj->length);
        return k < 0 ? nullptr : static_cast<ClosureObj*>(x.v.obj)->captures() + k;
      }
      if (x.v.type != ValueType::Array) return nullptr;
      const std::int64_t k = item_index(i.v.i, as_array(x.v)->length);
      return k < 0 ? nullptr : as_array(x.v)->items() + k;
    }
    default: return nullptr;
  }
}

// ---- display ------------------------------------------------------------------------

// Text of a value for people, stopping once past [max_chars]. Nested references show no
// id; shared or cyclic structure is bounded by the character limit and by [budget_].
class Printer {
 public:
  // A compiled program's values read as its language writes them: () #t #f sym #(1 2).
  Printer(const VmState& vm, std::size_t max_chars) : vm_(vm), max_(max_chars), lisp_(vm.program().compiled) {}

  std::string text(const Value& v) {
    put(v, 0);
    if (out_.size() > max_) {
      out_.resize(max_);
      out_ += "...";
    }
    return std::move(out_);
  }

 private:
  static constexpr int kMaxDepth = 32;

  bool full() const { return out_.size() > max_ || budget_ == 0; }

  void put(const Value& v, int depth) {
    if (full() || depth > kMaxDepth) {
      out_ += "...";
      return;
    }
    --budget_;
    const Program& p = vm_.program();
    switch (v.type) {
      case ValueType::Nil: out_ += lisp_ ? "()" : "nil"; break;
      case ValueType::Bool: out_ += lisp_ ? (v.b ? "#t" : "#f") : (v.b ? "true" : "false"); break;
      case ValueType::Int: out_ += fmt::format("{}", v.i); break;
      case ValueType::Float: out_ += float_text(v.f); break;
      case ValueType::Symbol:
        if (!lisp_) out_ += '\'';
        out_ += v.sym < p.symbols.size() ? p.symbols[v.sym] : fmt::format("?{}", v.sym);
        break;
      case ValueType::Function: out_ += fmt::format("<function {}>", function_name(vm_, v.fn)); break;
      case ValueType::Closure: out_ += fmt::format("<closure {}>", function_name(vm_, as_closure(v)->fn)); break;
      case ValueType::String: {
        // Escape no more than can be shown: a string may be megabytes long. A cut one
        // still goes past max_ (the closing quote), so text() marks it with "...".
        const std::string_view s = as_string(v)->view();
        out_ += '"';
        escape_into(out_, s.substr(0, max_ > out_.size() ? max_ - out_.size() : 0), EscapeStyle::Literal);
        out_ += '"';
        break;
      }
      case ValueType::Array: {
        const ArrayObj* a = as_array(v);
        out_ += lisp_ ? "#(" : "[";
        for (std::uint32_t i = 0; i < a->length; ++i) {
          if (i) out_ += lisp_ ? " " : ", ";
          if (full()) {
            out_ += "...";
            break;
          }
          put(a->items()[i], depth + 1);
        }
        out_ += lisp_ ? ')' : ']';
        break;
      }
      case ValueType::Pair: {
        // Proper lists as (1 2 3), others as (1 2 . 3).
        out_ += '(';
        Value cur = v;
        for (bool first = true;; first = false) {
          const PairObj* pair = as_pair(cur);
          if (!first) out_ += ' ';
          if (full()) {
            out_ += "...";
            break;
          }
          put(pair->car, depth + 1);
          if (pair->cdr.type == ValueType::Pair) {
            cur = pair->cdr;
            continue;
          }
          if (!pair->cdr.is_nil()) {
            out_ += " . ";
            put(pair->cdr, depth + 1);
          }
          break;
        }
        out_ += ')';
        break;
      }
    }
  }

  const VmState& vm_;
  std::size_t max_;
  bool lisp_;
  std::size_t budget_ = 100'000;  // values: the char limit may be huge
  std::string out_;
};

std::uint64_t id_of(const EvalResult& r) { return r.id ? r.id : r.value.obj->id; }

}  // namespace

// ---- public -------------------------------------------------------------------------

EvalResult EvalResult::of(pw::Value v) {
  EvalResult r;
  r.available = true;
  r.value = v;
  if (v.is_ref() && v.obj) r.id = v.obj->id;
  return r;
}

EvalResult EvalResult::unavailable(std::string why) {
  EvalResult r;
  r.reason = std::move(why);
  return r;
}

Expression::Expression() = default;
Expression::Expression(const Expression&) = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(const Expression&) = default;
Expression& Expression::operator=(Expression&&) noexcept = default;
Expression::~Expression() = default;

Expression Expression::compile(std::string_view text, const pw::Program& program) {
  Expression e;
  e.text_ = std::string(text);
  Parser(e.text_, program, e.nodes_).parse();
  e.reads_function_locals_ =
      std::any_of(e.nodes_.begin(), e.nodes_.end(), [](const ExprNode& n) { return n.kind == Kind::Local; });
  return e;
}

bool Expression::reads_stack_or_step() const {
  return std::any_of(nodes_.begin(), nodes_.end(), [](const detail::ExprNode& n) {
    return n.kind == Kind::Stack || n.kind == Kind::Sp || n.kind == Kind::Step;
  });
}

EvalResult Expression::evaluate(const pw::VmState& vm, ActiveFrames* frames) const {
  return evaluate_in(vm, vm.depth, frames);
}

// The index is brought up to the VM only for expressions that read a function's locals.
const ActiveFrames* Expression::followed(const pw::VmState& vm, ActiveFrames* frames) const {
  if (!frames || !reads_function_locals_) return nullptr;
  frames->follow(vm);
  return frames;
}

EvalResult Expression::evaluate_in(const pw::VmState& vm, std::uint32_t depth, ActiveFrames* index) const {
  if (nodes_.empty()) return EvalResult::unavailable("empty expression");  // moved from
  depth = std::min(depth, vm.depth);
  const ActiveFrames* frames = followed(vm, index);
  // A lone name is the common watch: read it without the general walk.
  if (const Value* v = lone_name(nodes_.back(), vm, depth, frames)) return EvalResult::of(*v);
  Operand o;
  std::string why;
  if (!eval(nodes_, static_cast<std::int32_t>(nodes_.size()) - 1, vm, depth, frames, o, why))
    return EvalResult::unavailable(std::move(why));
  // Only a lone literal gets here: every operator turns literals into VM values.
  if (o.lit) return EvalResult::unavailable("a string literal is only usable in comparisons");
  return EvalResult::of(o.v);
}

const pw::Value* Expression::locate(const pw::VmState& vm, ActiveFrames* index) const {
  if (nodes_.empty()) return nullptr;
  return place(nodes_, static_cast<std::int32_t>(nodes_.size()) - 1, vm, vm.depth, followed(vm, index));
}

const pw::Value* Expression::locate_in(const pw::VmState& vm, std::uint32_t depth) const {
  if (nodes_.empty()) return nullptr;
  return place(nodes_, static_cast<std::int32_t>(nodes_.size()) - 1, vm, std::min(depth, vm.depth), nullptr);
}

bool same_result(const EvalResult& a, const EvalResult& b) {
  if (!a.available || !b.available) return a.available == b.available;
  const Value& x = a.value;
  const Value& y = b.value;
  if (x.type != y.type) return false;
  switch (x.type) {
    case ValueType::Nil: return true;
    case ValueType::Bool: return x.b == y.b;
    case ValueType::Int: return x.i == y.i;
    case ValueType::Float: return std::bit_cast<std::uint64_t>(x.f) == std::bit_cast<std::uint64_t>(y.f);
    case ValueType::Symbol: return x.sym == y.sym;
    case ValueType::Function: return x.fn == y.fn;
    default: return a.id || b.id ? a.id == b.id : x.obj == y.obj;
  }
}

std::string result_text(const pw::VmState& vm, const EvalResult& r, std::size_t max_chars) {
  if (!r.available) return "<unavailable: " + r.reason + ">";
  std::string s = Printer(vm, max_chars).text(r.value);
  if (r.value.is_ref()) s += fmt::format(" #{}", id_of(r));
  return s;
}

nlohmann::json result_json(const pw::VmState& vm, const EvalResult& r) {
  nlohmann::json j = nlohmann::json::object();
  if (!r.available) {
    j["unavailable"] = json_safe_bytes(r.reason);
    return j;
  }
  const Value& v = r.value;
  const Program& p = vm.program();
  j["type"] = std::string(type_name(v.type));
  switch (v.type) {
    case ValueType::Nil: break;
    case ValueType::Bool: j["value"] = v.b; break;
    case ValueType::Int: j["value"] = v.i; break;
    case ValueType::Float:
      // JSON has no NaN nor infinities: those are spelled "nan", "inf", "-inf".
      if (std::isfinite(v.f)) j["value"] = v.f;
      else j["value"] = float_text(v.f);
      break;
    case ValueType::Symbol:
      j["value"] = v.sym < p.symbols.size() ? json_safe_bytes(p.symbols[v.sym]) : fmt::format("?{}", v.sym);
      break;
    case ValueType::Function: j["value"] = json_safe_bytes(function_name(vm, v.fn)); break;
    case ValueType::String:
      j["id"] = id_of(r);
      j["value"] = json_safe_bytes(as_string(v)->view());
      break;
    default:
      j["id"] = id_of(r);
      j["text"] = json_safe_bytes(Printer(vm, 200).text(v));
      break;
  }
  return j;
}

}  // namespace pw::replay
