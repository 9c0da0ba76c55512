// The code generator: a Module in, the VM's assembly text out, with the directives that
// carry the debug information (.source/.text: the source file; .loc: each instruction's
// line and column; .name: a function's source name; .var/.endvar: where each variable is
// in scope and in which slot).
//
// Functions that need no closure (top-level procedures, and local ones whose free
// variables are such procedures) are called directly with call_fn; a variable that a
// closure captures and that is set! lives in a box (a pair whose car is the value), so
// every closure sees every assignment.
#include "codegen.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "primitives.h"

namespace pw::lisp {
namespace {

bool asm_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) ||
         std::string_view("_*/<>=~^%&$@!?").find(c) != std::string_view::npos;
}
bool asm_name_char(char c) {
  return asm_name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
}
bool is_asm_name(std::string_view s) {
  if (s.empty() || !asm_name_start(s[0])) return false;
  for (char c : s)
    if (!asm_name_char(c)) return false;
  // Words the assembler reads as literals or keywords.
  return s != "nil" && s != "true" && s != "false" && s != "end" && s != "func" && s != "local" && s != "global" &&
         s != "entry" && s != "captures";
}

// [s] made into an assembler name: characters it cannot hold become '_'.
std::string sanitize(std::string_view s) {
  std::string out;
  for (char c : s) out += asm_name_char(c) ? c : '_';
  if (out.empty() || !asm_name_start(out[0])) out = "_" + out;
  if (!is_asm_name(out)) out = "_" + out;
  return out;
}

std::string quote_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else if (u < 0x20 || u >= 0x7f)
      out += fmt::format("\\x{:02X}", u);
    else
      out += c;
  }
  return out + "\"";
}

std::string float_literal(double f) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  std::string s(buf, end);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

bool fits_imm(const Node& n) {
  return n.kind == NodeKind::Const && n.datum.kind == Datum::Kind::Int && n.datum.i >= INT32_MIN &&
         n.datum.i <= INT32_MAX;
}

// A set of unique names: the second "x" is "x.2".
class Names {
 public:
  std::string claim(const std::string& base) {
    std::string name = base;
    for (int k = 2; !used_.insert(name).second; ++k) name = fmt::format("{}.{}", base, k);
    return name;
  }

 private:
  std::set<std::string> used_;
};

// The end-of-file object: a symbol no program can write (the reader takes no '#<').
constexpr std::string_view kEofObject = "'\"#<eof>\"";

enum class Mode { Value, Effect, Tail };
struct Ctx {
  Mode mode;
  std::string exit;  // non-empty: jump there when done (a join or a loop's end)
};
const Ctx kValue{Mode::Value, ""};
const Ctx kEffect{Mode::Effect, ""};

class CodeGen {
 public:
  explicit CodeGen(Module& m) : m_(m) {}

  std::string run() {
    find_liftable();
    for (auto& [name, g] : m_.globals)
      if (!g.known()) g.global_asm = global_names_.claim(sanitize(name));
    Lambda* main = m_.main;
    main->asm_name = function_names_.claim(m_.globals.count("main") ? "%main" : "main");
    for (auto& [name, g] : m_.globals)
      if (Lambda* l = g.known()) schedule(l, name);

    // The entry function: the top-level forms, after the prologue that makes the quoted
    // data and the prelude's variables (known only once everything else is compiled).
    Fn entry(main);
    fn_ = &entry;
    begin_function();
    gen(*main->body, kEffect);
    op(main->pos, "nil");
    op(main->pos, "return");
    std::vector<std::string> body = std::move(entry.code);
    drain();
    fn_ = &entry;
    entry.code.clear();
    in_prologue_ = true;
    std::size_t quoted_done = 0;
    std::set<GlobalDef*> inits_done;
    for (bool more = true; more;) {
      more = false;
      for (; quoted_done < m_.quoted.size(); ++quoted_done) {
        const Node* q = m_.quoted[quoted_done];
        const std::string name = quoted_global(q);
        build_datum(q->datum);
        op({0, 0}, "set_global " + name);
      }
      for (auto& [name, g] : m_.prelude_globals) {
        if (!g.used || !g.init || inits_done.count(&g)) continue;
        inits_done.insert(&g);
        gen(*g.init, kValue);
        op({0, 0}, "set_global " + g.global_asm);
        more = true;
      }
      drain();
      fn_ = &entry;
      more = more || quoted_done < m_.quoted.size();
    }
    in_prologue_ = false;
    // entry.code now holds the prologue; the body follows it.
    if (!entry.code.empty()) entry.code.push_back("  .loc 0 0");
    entry.last_loc = {0, 0};
    for (std::string& line : body) entry.code.push_back(std::move(line));
    finished_.insert(finished_.begin(), end_function(entry));

    std::string out = fmt::format("; Compiled from {} by pwvm compile.\n", m_.file);
    out += fmt::format(".source {}\nentry {}\n\n", quote_string(m_.file), main->asm_name);
    for (const std::string& g : globals_out_) out += "global " + g + "\n";
    if (!globals_out_.empty()) out += "\n";
    for (const std::string& f : finished_) out += f + "\n";
    out += "; ---- the source ----\n";
    std::size_t pos = 0;
    while (pos < m_.source.size()) {
      std::size_t end = m_.source.find('\n', pos);
      if (end == std::string::npos) end = m_.source.size();
      std::string_view line(m_.source.data() + pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out += ".text " + quote_string(line) + "\n";
      pos = end + 1;
    }
    return out;
  }

 private:
  struct Fn {
    explicit Fn(Lambda* l) : lambda(l) {}
    Lambda* lambda;
    std::vector<std::string> params, locals, captures;  // assembly names
    std::map<const Binding*, std::string> capture_of;
    std::vector<std::string> code;
    Names names;
    int labels = 0;
    SourcePos last_loc{~0u, ~0u};
  };

  Module& m_;
  Fn* fn_ = nullptr;
  Names function_names_, global_names_;
  std::vector<Lambda*> pending_;
  std::vector<std::string> finished_;
  std::vector<std::string> globals_out_;
  std::map<const Node*, std::string> quoted_names_;
  bool in_prologue_ = false;
  std::set<const Binding*> loop_int_vars_;  // loop variables that are always integers (inc_local is safe)  // the
                                            // entry's prologue: the prelude's variables, without positions

  [[noreturn]] void fail(const Lambda* in, SourcePos pos, std::string message) const {
    if (in && in->from_prelude) throw CompileError("<prelude>", "", pos, "internal error: " + message);
    throw CompileError(m_.file, m_.source, pos, std::move(message));
  }

  // ---- analysis -----------------------------------------------------------------------
  static Lambda* known_lambda(const Binding* b) { return b->known && !b->mutated ? b->known : nullptr; }
  static bool is_direct(const Binding* b) {
    const Lambda* l = known_lambda(b);
    return l && l->liftable;
  }

  // A lambda needs no closure when each of its free variables is a procedure that needs
  // none: shrink the set of such lambdas until it holds.
  void find_liftable() {
    for (auto& l : m_.lambdas) l->liftable = true;
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& l : m_.lambdas) {
        if (!l->liftable) continue;
        for (const Binding* b : l->free) {
          if (!is_direct(b)) {
            l->liftable = false;
            changed = true;
            break;
          }
        }
      }
    }
    for (auto& l : m_.lambdas) {
      l->captures.clear();
      if (!l->liftable)
        for (Binding* b : l->free)
          if (!is_direct(b)) l->captures.push_back(b);
    }
  }

  // ---- functions ----------------------------------------------------------------------
  // Gives [l] its assembly name and queues it to be compiled, once.
  const std::string& schedule(Lambda* l, const std::string& hint = "") {
    if (l->asm_name.empty()) {
      std::string base;
      if (!hint.empty())
        base = sanitize(hint);
      else if (l->parent && !l->parent->asm_name.empty() && l->parent != m_.main)
        base = l->parent->asm_name + "/" + sanitize(l->name.rfind("lambda@", 0) == 0 ? "lambda" : l->name);
      else
        base = sanitize(l->name.rfind("lambda@", 0) == 0 ? "lambda" : l->name);
      if (l->name.rfind("lambda@", 0) == 0) base += fmt::format("@{}", l->pos.line);
      l->asm_name = function_names_.claim(base);
      pending_.push_back(l);
    }
    return l->asm_name;
  }

  void drain() {
    while (!pending_.empty()) {
      Lambda* l = pending_.back();
      pending_.pop_back();
      Fn f(l);
      fn_ = &f;
      begin_function();
      gen(*l->body, Ctx{Mode::Tail, ""});
      finished_.push_back(end_function(f));
    }
  }

  void begin_function() {
    Fn& f = *fn_;
    Lambda* l = f.lambda;
    for (Binding* p : l->params) {
      p->asm_name = f.names.claim(sanitize(p->name));
      f.params.push_back(p->asm_name);
    }
    for (Binding* c : l->captures) {
      std::string name = f.names.claim(sanitize(c->name));
      f.capture_of[c] = name;
      f.captures.push_back(name);
    }
    if (l->from_prelude) {
      f.code.push_back("  .loc 0 0");
      f.last_loc = {0, 0};
      return;
    }
    for (Binding* p : l->params)
      f.code.push_back(fmt::format("  .var {} {}{}", p->asm_name, quote_string(p->name), p->boxed() ? " boxed" : ""));
    for (Binding* c : l->captures)
      f.code.push_back(
          fmt::format("  .var {} {}{}", f.capture_of[c], quote_string(c->name), c->boxed() ? " boxed" : ""));
    // A boxed parameter moves into its box on entry.
    for (Binding* p : l->params) {
      if (!p->boxed()) continue;
      op(l->pos, "get_local " + p->asm_name);
      op(l->pos, "nil");
      op(l->pos, "cons");
      op(l->pos, "set_local " + p->asm_name);
    }
  }

  std::string end_function(const Fn& f) {
    const Lambda* l = f.lambda;
    std::string head;
    if (!l->from_prelude && l->pos.line) head += fmt::format(".loc {} {}\n", l->pos.line, l->pos.column);
    head += "func " + l->asm_name + "(";
    for (std::size_t k = 0; k < f.params.size(); ++k) head += (k ? ", " : "") + f.params[k];
    head += ")";
    if (!f.captures.empty()) {
      head += " captures(";
      for (std::size_t k = 0; k < f.captures.size(); ++k) head += (k ? ", " : "") + f.captures[k];
      head += ")";
    }
    head += "\n";
    head += "  .name " + quote_string(l->name) + "\n";
    if (l->rest) head += "  .rest\n";
    if (!f.locals.empty()) {
      head += "  local ";
      for (std::size_t k = 0; k < f.locals.size(); ++k) head += (k ? ", " : "") + f.locals[k];
      head += "\n";
    }
    for (std::size_t k = 0; k < f.code.size(); ++k)
      if (!jumps_to_next(f.code, k)) head += f.code[k] + "\n";
    head += "end\n";
    return head;
  }

  // Whether line [k] is a jump to the label right after it (only directives between).
  static bool jumps_to_next(const std::vector<std::string>& code, std::size_t k) {
    if (code[k].rfind("  jump ", 0) != 0) return false;
    const std::string target = code[k].substr(7) + ":";
    for (std::size_t j = k + 1; j < code.size(); ++j) {
      if (code[j] == target) return true;
      if (code[j].rfind("  .", 0) != 0 && code[j].back() != ':') return false;
    }
    return false;
  }

  // ---- emitting -----------------------------------------------------------------------
  void op(SourcePos pos, std::string text) {
    Fn& f = *fn_;
    if (!f.lambda->from_prelude && !in_prologue_ && pos.line &&
        (pos.line != f.last_loc.line || pos.column != f.last_loc.column)) {
      f.code.push_back(fmt::format("  .loc {} {}", pos.line, pos.column));
      f.last_loc = pos;
    }
    f.code.push_back("  " + text);
  }
  std::string new_label() { return fmt::format("L{}", ++fn_->labels); }
  void label(const std::string& name) { fn_->code.push_back(name + ":"); }

  // A fresh local slot for [b] (or a hidden temporary when b is null).
  std::string new_local(Binding* b) {
    std::string name = fn_->names.claim(b ? sanitize(b->name) : "%t");
    fn_->locals.push_back(name);
    if (b) b->asm_name = name;
    return name;
  }
  void open_scope(Binding* b) {
    if (!fn_->lambda->from_prelude)
      fn_->code.push_back(
          fmt::format("  .var {} {}{}", b->asm_name, quote_string(b->name), b->boxed() ? " boxed" : ""));
  }
  void close_scope(Binding* b) {
    if (!fn_->lambda->from_prelude) fn_->code.push_back("  .endvar " + b->asm_name);
  }

  // Pushes the slot of [b] itself (its box when it is boxed).
  void push_slot(const Binding* b, SourcePos pos) {
    if (b->owner == fn_->lambda) {
      if (b->asm_name.empty()) fail(fn_->lambda, pos, fmt::format("internal error: '{}' has no slot", b->name));
      op(pos, "get_local " + b->asm_name);
      return;
    }
    auto it = fn_->capture_of.find(b);
    if (it == fn_->capture_of.end())
      fail(fn_->lambda, pos, fmt::format("internal error: '{}' is not captured", b->name));
    op(pos, "get_capture " + it->second);
  }

  // Stores the value on top into [b] (into its box when boxed: the box is already there).
  void store(const Binding* b, SourcePos pos) {
    if (b->boxed()) {
      push_slot(b, pos);
      op(pos, "swap");
      op(pos, "set_car");
      return;
    }
    if (b->owner == fn_->lambda) {
      op(pos, "set_local " + b->asm_name);
      return;
    }
    auto it = fn_->capture_of.find(b);
    if (it == fn_->capture_of.end())
      fail(fn_->lambda, pos, fmt::format("internal error: '{}' is not captured", b->name));
    op(pos, "set_capture " + it->second);
  }

  // Binds [b] to the value on top: a fresh slot's first value (boxed if it must be).
  void bind(Binding* b, SourcePos pos) {
    if (b->boxed()) {
      op(pos, "nil");
      op(pos, "cons");
    }
    op(pos, "set_local " + b->asm_name);
  }

  // What a context wants after a value was pushed.
  void done(const Ctx& c, SourcePos pos) {
    if (c.mode == Mode::Effect) op(pos, "pop");
    if (c.mode == Mode::Tail)
      op(pos, "return");
    else if (!c.exit.empty())
      op(pos, "jump " + c.exit);
  }
  // ... and after nothing was pushed.
  void done_empty(const Ctx& c, SourcePos pos) {
    if (c.mode != Mode::Effect) op(pos, "nil");
    if (c.mode == Mode::Tail)
      op(pos, "return");
    else if (!c.exit.empty())
      op(pos, "jump " + c.exit);
  }

  // ---- expressions --------------------------------------------------------------------
  void gen(const Node& n, const Ctx& c) {
    switch (n.kind) {
      case NodeKind::Const:
        if (c.mode == Mode::Effect) return done_empty(c, n.pos);
        push_const(n);
        return done(c, n.pos);
      case NodeKind::Unspecified:
        return done_empty(c, n.pos);
      case NodeKind::LocalRef:
        if (c.mode == Mode::Effect) return done_empty(c, n.pos);
        if (is_direct(n.binding)) {
          op(n.pos, "push_func " + schedule(n.binding->known));
        } else {
          push_slot(n.binding, n.pos);
          if (n.binding->boxed()) op(n.pos, "car");
        }
        return done(c, n.pos);
      case NodeKind::GlobalRef:
        if (c.mode == Mode::Effect) return done_empty(c, n.pos);
        push_global(*n.global, n.pos);
        return done(c, n.pos);
      case NodeKind::LocalSet:
        if (n.is_define && is_direct(n.binding)) {
          schedule(n.binding->known);
          return done_empty(c, n.pos);
        }
        gen(*n.kids[0], kValue);
        store(n.binding, n.pos);
        return done_empty(c, n.pos);
      case NodeKind::GlobalSet:
        if (n.global->known()) {
          schedule(n.global->known(), n.global->name);
          return done_empty(c, n.pos);
        }
        gen(*n.kids[0], kValue);
        use_global(*n.global);
        op(n.pos, "set_global " + n.global->global_asm);
        return done_empty(c, n.pos);
      case NodeKind::If:
        return gen_if(n, c);
      case NodeKind::Lambda:
        if (c.mode == Mode::Effect) return done_empty(c, n.pos);
        push_lambda(n.lambda, n.pos);
        return done(c, n.pos);
      case NodeKind::Call:
        return gen_call(n, c);
      case NodeKind::Prim:
        return gen_prim(n, c);
      case NodeKind::Seq:
        for (std::size_t k = 0; k + 1 < n.kids.size(); ++k) gen(*n.kids[k], kEffect);
        return gen(*n.kids.back(), c);
      case NodeKind::Let:
        return gen_let(n, c);
      case NodeKind::Loop:
        return gen_loop(n, c);
      case NodeKind::Recur:
        return gen_recur(n);
      case NodeKind::And:
      case NodeKind::Or:
        return gen_and_or(n, c);
      case NodeKind::Guard:
        return gen_guard(n, c);
    }
  }

  void push_const(const Node& n) {
    const Datum& d = n.datum;
    switch (d.kind) {
      case Datum::Kind::Int:
        return op(n.pos, fmt::format("push {}", d.i));
      case Datum::Kind::Float:
        return op(n.pos, "push " + float_literal(d.f));
      case Datum::Kind::String:
        return op(n.pos, "push " + quote_string(d.text));
      case Datum::Kind::Symbol:
        return op(n.pos, "push '" + (is_asm_name(d.text) ? d.text : quote_string(d.text)));
      case Datum::Kind::Bool:
        return op(n.pos, d.i ? "true" : "false");
      case Datum::Kind::List:
      case Datum::Kind::Vector:
        if (d.kind == Datum::Kind::List && d.items.empty()) return op(n.pos, "nil");
        return op(n.pos, "get_global " + quoted_global(&n));
    }
  }

  const std::string& quoted_global(const Node* n) {
    auto [it, fresh] = quoted_names_.try_emplace(n);
    if (fresh) {
      it->second = global_names_.claim("%quote");
      globals_out_.push_back(it->second);
    }
    return it->second;
  }

  // Code that builds a quoted datum (at the start of the program).
  void build_datum(const Datum& d) {
    const SourcePos none{0, 0};
    switch (d.kind) {
      case Datum::Kind::List: {
        std::size_t n = d.items.size();
        if (d.dotted) --n;
        for (std::size_t k = 0; k < n; ++k) build_datum(d.items[k]);
        if (d.dotted)
          build_datum(d.items.back());
        else
          op(none, "nil");
        for (std::size_t k = 0; k < n; ++k) op(none, "cons");
        return;
      }
      case Datum::Kind::Vector:
        op(none, fmt::format("push {}", d.items.size()));
        op(none, "array_new");
        for (std::size_t k = 0; k < d.items.size(); ++k) {
          op(none, "dup");
          op(none, fmt::format("push {}", k));
          build_datum(d.items[k]);
          op(none, "array_set");
        }
        return;
      default: {
        Node atom(NodeKind::Const, none);
        atom.datum = d;
        push_const(atom);
      }
    }
  }

  void use_global(GlobalDef& g) {
    if (g.used) return;
    g.used = true;
    if (Lambda* l = g.known()) {
      schedule(l, g.from_prelude ? l->name : g.name);
      return;
    }
    if (g.global_asm.empty()) g.global_asm = global_names_.claim(sanitize(g.name));
    globals_out_.push_back(g.global_asm);
  }

  void push_global(GlobalDef& g, SourcePos pos) {
    use_global(g);
    if (Lambda* l = g.known())
      op(pos, "push_func " + schedule(l));
    else
      op(pos, "get_global " + g.global_asm);
  }

  void push_lambda(Lambda* l, SourcePos pos) {
    const std::string& name = schedule(l);
    if (l->liftable) return op(pos, "push_func " + name);
    for (const Binding* b : l->captures) push_slot(b, pos);
    op(pos, "make_closure " + name);
  }

  // ---- tests --------------------------------------------------------------------------
  static bool is_boolean(const Node& n) {
    if (n.kind == NodeKind::Prim) {
      const Primitive* p = find_primitive(n.name);
      return p && p->boolean;
    }
    return n.kind == NodeKind::Const && n.datum.kind == Datum::Kind::Bool;
  }

  // Jumps to [target] when [n] is true (when_true) or false (!when_true), else falls
  // through. Only #f is false: '() is true, as in Scheme.
  void branch(const Node& n, const std::string& target, bool when_true) {
    if (n.kind == NodeKind::Const) {
      const bool value = !(n.datum.kind == Datum::Kind::Bool && n.datum.i == 0);
      if (value == when_true) op(n.pos, "jump " + target);
      return;
    }
    if (n.kind == NodeKind::Prim && n.name == "not") return branch(*n.kids[0], target, !when_true);
    if (n.kind == NodeKind::And || n.kind == NodeKind::Or) {
      const bool is_and = n.kind == NodeKind::And;
      if (is_and != when_true) {  // and jumping on false, or on true: any operand decides
        for (const NodeP& k : n.kids) branch(*k, target, when_true);
        return;
      }
      const std::string skip = new_label();
      for (std::size_t k = 0; k + 1 < n.kids.size(); ++k) branch(*n.kids[k], skip, !when_true);
      branch(*n.kids.back(), target, when_true);
      label(skip);
      return;
    }
    gen(n, kValue);
    if (is_boolean(n)) {
      op(n.pos, (when_true ? "jump_if_true " : "jump_if_false ") + target);
    } else {
      op(n.pos, "false");
      op(n.pos, "eq");
      op(n.pos, (when_true ? "jump_if_false " : "jump_if_true ") + target);
    }
  }

  void gen_if(const Node& n, const Ctx& c) {
    const std::string otherwise = new_label();
    branch(*n.kids[0], otherwise, false);
    if (c.mode == Mode::Tail || !c.exit.empty()) {
      gen(*n.kids[1], c);
      label(otherwise);
      gen(*n.kids[2], c);
      return;
    }
    const std::string join = new_label();
    gen(*n.kids[1], Ctx{c.mode, join});
    label(otherwise);
    gen(*n.kids[2], Ctx{c.mode, ""});
    label(join);
  }

  void gen_and_or(const Node& n, const Ctx& c) {
    const bool is_and = n.kind == NodeKind::And;
    if (c.mode == Mode::Effect) {
      const std::string skip = new_label();
      for (std::size_t k = 0; k + 1 < n.kids.size(); ++k) branch(*n.kids[k], skip, !is_and);
      gen(*n.kids.back(), kEffect);
      label(skip);
      return done_empty(c, n.pos);
    }
    const bool has_exit = c.mode == Mode::Tail || !c.exit.empty();
    if (is_and) {  // any false operand gives #f; else the last one's value
      const std::string is_false = new_label();
      for (std::size_t k = 0; k + 1 < n.kids.size(); ++k) branch(*n.kids[k], is_false, false);
      if (has_exit) {
        gen(*n.kids.back(), c);
        label(is_false);
        op(n.pos, "false");
        return done(c, n.pos);
      }
      const std::string join = new_label();
      gen(*n.kids.back(), Ctx{c.mode, join});
      label(is_false);
      op(n.pos, "false");
      label(join);
      return;
    }
    // The first true operand's value, else the last one's.
    const std::string join = new_label();
    for (std::size_t k = 0; k + 1 < n.kids.size(); ++k) {
      const Node& x = *n.kids[k];
      gen(x, kValue);
      op(x.pos, "dup");
      if (is_boolean(x)) {
        op(x.pos, "jump_if_true " + join);
      } else {
        op(x.pos, "false");
        op(x.pos, "eq");
        op(x.pos, "jump_if_false " + join);
      }
      op(x.pos, "pop");
    }
    if (has_exit) {  // the last operand is in tail position (or jumps out) itself
      gen(*n.kids.back(), c);
      label(join);
      return done(c, n.pos);
    }
    gen(*n.kids.back(), kValue);
    label(join);
    done(c, n.pos);
  }

  void gen_let(const Node& n, const Ctx& c) {
    if (n.is_define) {  // letrec: the slots first (a box for those that need one), then the body assigns
      for (Binding* b : n.bindings) {
        if (is_direct(b)) continue;
        new_local(b);
        if (b->boxed()) {
          op(n.pos, "nil");
          op(n.pos, "nil");
          op(n.pos, "cons");
          op(n.pos, "set_local " + b->asm_name);
        }
      }
    } else {
      std::vector<Binding*> stored;
      for (std::size_t k = 0; k < n.bindings.size(); ++k) {
        Binding* b = n.bindings[k];
        if (is_direct(b)) {
          schedule(b->known);
          continue;
        }
        gen(*n.kids[k], kValue);
        stored.push_back(b);
      }
      for (Binding* b : stored) new_local(b);
      for (auto it = stored.rbegin(); it != stored.rend(); ++it) bind(*it, n.pos);
    }
    for (Binding* b : n.bindings)
      if (!b->asm_name.empty() && b->owner == fn_->lambda) open_scope(b);
    gen_scoped_body(*n.kids.back(), n.bindings, c);
  }

  // The body of a binding form: its variables go out of scope where it ends.
  void gen_scoped_body(const Node& body, const std::vector<Binding*>& vars, const Ctx& c) {
    gen(body, c);
    for (Binding* b : vars)
      if (!b->asm_name.empty() && b->owner == fn_->lambda) close_scope(b);
  }

  void gen_loop(const Node& n, const Ctx& c) {
    Loop& loop = *n.loop;
    for (std::size_t k = 0; k < loop.vars.size(); ++k) gen(*n.kids[k], kValue);
    const ForNext counted = loop.from_do ? counted_loop(n) : ForNext{};
    for (std::size_t k = 0; k < loop.vars.size(); ++k)
      if (int_only(n, k)) loop_int_vars_.insert(loop.vars[k]);
    std::string limit;
    for (Binding* b : loop.vars) {
      new_local(b);
      if (b == counted.var) limit = new_local(nullptr);  // for_next's limit is the next local
    }
    for (auto it = loop.vars.rbegin(); it != loop.vars.rend(); ++it) bind(*it, n.pos);
    for (Binding* b : loop.vars) open_scope(b);
    loop.top_label = new_label();
    if (loop.from_do) {
      // (if TEST EXIT (begin COMMAND... RECUR)) with the test at the bottom: one jump
      // per iteration, or for_next for a counted loop.
      const Node& body = *n.kids.back();
      const Node& test = *body.kids[0];
      const Node& again = *body.kids[2];
      const std::string check = new_label();
      if (counted.var) {
        op(test.pos, fmt::format("push {}", counted.limit));
        op(test.pos, "set_local " + limit);
        op(test.pos, "get_local " + counted.var->asm_name);
        op(test.pos, fmt::format("gt_imm {}", counted.limit));
        op(test.pos, "jump_if_true " + check);
      } else {
        op(n.pos, "jump " + check);
      }
      label(loop.top_label);
      for (std::size_t k = 0; k + 1 < again.kids.size(); ++k) gen(*again.kids[k], kEffect);
      assign_loop_vars(*again.kids.back(), counted.var);
      if (counted.var) {
        op(test.pos, fmt::format("for_next {}, {}", counted.var->asm_name, loop.top_label));
        label(check);
      } else {
        label(check);
        branch(test, loop.top_label, false);
      }
      gen(*body.kids[1], c);
    } else {
      label(loop.top_label);
      if (c.mode == Mode::Tail || !c.exit.empty()) {
        gen(*n.kids.back(), c);
      } else {
        const std::string end = new_label();
        gen(*n.kids.back(), Ctx{c.mode, end});
        label(end);
      }
    }
    for (Binding* b : loop.vars) close_scope(b);
  }

  void gen_recur(const Node& n) {
    assign_loop_vars(n, nullptr);
    op(n.pos, "jump " + n.loop->top_label);
  }

  // A do loop that for_next can run: a variable that starts at an integer, steps by +1 and
  // is tested with (> VAR K), (>= VAR K), (< K VAR) or (<= K VAR) for an integer constant K.
  struct ForNext {
    Binding* var = nullptr;
    std::int64_t limit = 0;  // the loop runs while VAR <= limit
  };
  ForNext counted_loop(const Node& n) {
    const Node& test = *n.kids.back()->kids[0];
    if (test.kind != NodeKind::Prim || test.kids.size() != 2) return {};
    const bool var_left = test.name == ">" || test.name == ">=";
    if (!var_left && test.name != "<" && test.name != "<=") return {};
    const Node& var = *test.kids[var_left ? 0 : 1];
    const Node& bound = *test.kids[var_left ? 1 : 0];
    if (var.kind != NodeKind::LocalRef || !fits_imm(bound)) return {};
    const auto& vars = n.loop->vars;
    const auto at = std::find(vars.begin(), vars.end(), var.binding);
    if (at == vars.end() || !int_only(n, at - vars.begin())) return {};
    const Node& recur = *n.loop->recurs.front();
    if (n.loop->recurs.size() != 1 || step_of(recur.kids[at - vars.begin()].get(), var.binding) != 1) return {};
    const bool strict = test.name == ">" || test.name == "<";
    return {var.binding, strict ? bound.datum.i : bound.datum.i - 1};
  }

  // The constant a loop step adds to [b]: (+ b K), (+ K b) or (- b K); nullopt otherwise.
  static std::optional<std::int64_t> step_of(const Node* e, const Binding* b) {
    if (e->kind != NodeKind::Prim || e->kids.size() != 2 || (e->name != "+" && e->name != "-")) return std::nullopt;
    const Node* x = e->kids[0].get();
    const Node* k = e->kids[1].get();
    if (e->name == "+" && fits_imm(*x)) std::swap(x, k);
    if (x->kind != NodeKind::LocalRef || x->binding != b || !fits_imm(*k)) return std::nullopt;
    return e->name == "+" ? k->datum.i : -k->datum.i;
  }

  // Whether loop variable [k] is always an integer: it starts as an integer constant, is
  // never set!, and each jump back keeps it or adds a constant to it.
  static bool int_only(const Node& n, std::size_t k) {
    const Binding* b = n.loop->vars[k];
    if (b->mutated || n.kids[k]->kind != NodeKind::Const || n.kids[k]->datum.kind != Datum::Kind::Int) return false;
    for (const Node* r : n.loop->recurs) {
      const Node* e = r->kids[k].get();
      if (e->kind == NodeKind::LocalRef && e->binding == b) continue;
      if (!step_of(e, b)) return false;
    }
    return true;
  }

  static bool references(const Node& n, const Binding* b) {
    if ((n.kind == NodeKind::LocalRef || n.kind == NodeKind::LocalSet) && n.binding == b) return true;
    if (n.kind == NodeKind::Lambda)
      return std::find(n.lambda->free.begin(), n.lambda->free.end(), b) != n.lambda->free.end();
    for (const NodeP& k : n.kids)
      if (references(*k, b)) return true;
    return false;
  }

  // Whether evaluating [n] has no effect but its value (and perhaps an error).
  static bool pure(const Node& n) {
    switch (n.kind) {
      case NodeKind::Const:
      case NodeKind::LocalRef:
      case NodeKind::GlobalRef:
      case NodeKind::Unspecified:
        return true;
      case NodeKind::Prim: {
        static const std::set<std::string> kImpure{"set-car!", "set-cdr!", "vector-set!", "newline",    "read-line",
                                                   "random",   "raise",    "exit",        "%host-write"};
        if (kImpure.count(n.name)) return false;
        for (const NodeP& k : n.kids)
          if (!pure(*k)) return false;
        return true;
      }
      default:
        return false;
    }
  }

  // The loop variables take the values of [recur]'s operands, as if all at once. When
  // every operand is pure they are assigned one by one, each once nothing left to assign
  // still reads it (so integer steps become inc_local); otherwise through the stack.
  // [skip]: a variable for_next steps.
  void assign_loop_vars(const Node& recur, const Binding* skip) {
    const Loop& loop = *recur.loop;
    const std::size_t count = loop.vars.size();
    std::vector<std::size_t> left;
    bool all_pure = true;
    for (std::size_t k = 0; k < count; ++k) {
      const Node& e = *recur.kids[k];
      if (loop.vars[k] == skip || (e.kind == NodeKind::LocalRef && e.binding == loop.vars[k])) continue;
      left.push_back(k);
      all_pure = all_pure && pure(e);
    }
    if (all_pure) {
      for (bool progress = true; progress && !left.empty();) {
        progress = false;
        for (std::size_t i = 0; i < left.size(); ++i) {
          const std::size_t k = left[i];
          bool read_later = false;
          for (std::size_t j : left)
            if (j != k && references(*recur.kids[j], loop.vars[k])) read_later = true;
          if (read_later) continue;
          Binding* b = loop.vars[k];
          const auto step = step_of(recur.kids[k].get(), b);
          if (step && !b->boxed() && *step >= INT32_MIN && *step <= INT32_MAX && b->owner == fn_->lambda &&
              loop_int_vars_.count(b)) {
            op(recur.pos, fmt::format("inc_local {} {}", b->asm_name, *step));
          } else {
            gen(*recur.kids[k], kValue);
            bind(b, recur.pos);
          }
          left.erase(left.begin() + static_cast<std::ptrdiff_t>(i));
          progress = true;
          break;
        }
      }
    }
    for (std::size_t k : left) gen(*recur.kids[k], kValue);
    for (auto it = left.rbegin(); it != left.rend(); ++it) bind(loop.vars[*it], recur.pos);
  }

  void gen_guard(const Node& n, const Ctx& c) {
    const std::string handler = new_label();
    op(n.pos, "try " + handler);
    gen(*n.kids[0], c.mode == Mode::Effect ? kEffect : kValue);
    op(n.pos, "end_try");
    const bool has_exit = c.mode == Mode::Tail || !c.exit.empty();
    const std::string join = has_exit ? "" : new_label();
    if (c.mode == Mode::Tail)
      op(n.pos, "return");
    else
      op(n.pos, "jump " + (has_exit ? c.exit : join));
    label(handler);
    new_local(n.binding);
    bind(n.binding, n.pos);
    open_scope(n.binding);
    gen(*n.kids[1], has_exit ? c : Ctx{c.mode, ""});
    close_scope(n.binding);
    if (!has_exit) label(join);
  }

  // ---- calls --------------------------------------------------------------------------
  // The lambda a call goes to, when the compiler knows it.
  Lambda* callee(const Node& fn) {
    if (fn.kind == NodeKind::LocalRef) return known_lambda(fn.binding);
    if (fn.kind == NodeKind::GlobalRef) return fn.global->known();
    return nullptr;
  }

  void gen_call(const Node& n, const Ctx& c) {
    const Node& fn = *n.kids[0];
    const std::size_t argc = n.kids.size() - 1;
    Lambda* target = callee(fn);
    std::size_t pass = argc;
    if (target) {
      const std::size_t fixed = target->params.size() - (target->rest ? 1 : 0);
      if (target->rest ? argc < fixed : argc != fixed) {
        fail(fn_->lambda, n.pos,
             fmt::format("'{}' takes {}{} argument{}, given {}", target->name, target->rest ? "at least " : "", fixed,
                         fixed == 1 && !target->rest ? "" : "s", argc));
      }
      pass = target->params.size();
    }
    const bool direct = target && target->liftable;
    if (direct) {
      if (fn.kind == NodeKind::GlobalRef) use_global(*fn.global);
      schedule(target, fn.kind == NodeKind::GlobalRef ? fn.global->name : "");
    } else {
      gen(fn, kValue);
    }
    const std::size_t fixed = target && target->rest ? target->params.size() - 1 : argc;
    for (std::size_t k = 1; k <= fixed; ++k) gen(*n.kids[k], kValue);
    if (target && target->rest) {  // the extra arguments, as a list
      for (std::size_t k = fixed + 1; k <= argc; ++k) gen(*n.kids[k], kValue);
      op(n.pos, "nil");
      for (std::size_t k = fixed + 1; k <= argc; ++k) op(n.pos, "cons");
    }
    const bool tail = c.mode == Mode::Tail;
    if (direct)
      op(n.pos, (tail ? "tail_call_fn " : "call_fn ") + target->asm_name);
    else
      op(n.pos, fmt::format("{} {}", tail ? "tail_call" : "call", pass));
    if (!tail) done(c, n.pos);
  }

  // ---- primitives ---------------------------------------------------------------------
  void gen_prim(const Node& n, const Ctx& c) {
    const std::string& p = n.name;
    const SourcePos at = n.pos;
    auto args = [&] {
      for (const NodeP& k : n.kids) gen(*k, kValue);
    };
    if (p == "+" || p == "*") {
      const bool add = p == "+";
      if (n.kids.empty()) {
        op(at, add ? "push 0" : "push 1");
        return done(c, at);
      }
      // Constants go last, as immediates: (+ 1 x) is x add_imm 1.
      std::vector<const Node*> order;
      for (const NodeP& k : n.kids)
        if (!fits_imm(*k)) order.push_back(k.get());
      for (const NodeP& k : n.kids)
        if (fits_imm(*k)) order.push_back(k.get());
      gen(*order[0], kValue);
      for (std::size_t k = 1; k < order.size(); ++k) arith(*order[k], add ? "add" : "mul", at);
      return done(c, at);
    }
    if (p == "-") {
      gen(*n.kids[0], kValue);
      if (n.kids.size() == 1) op(at, "neg");
      for (std::size_t k = 1; k < n.kids.size(); ++k) arith(*n.kids[k], "sub", at);
      return done(c, at);
    }
    if (p == "modulo" || p == "%floor-div") {
      gen(*n.kids[0], kValue);
      const Node& b = *n.kids[1];
      const bool imm = fits_imm(b) && b.datum.i != 0;
      arith(b, p == "modulo" ? "mod" : "div", at, imm);
      return done(c, at);
    }
    static const std::map<std::string, std::pair<std::string, std::string>> kCompare{
        {"=", {"eq", "eq"}},        {"<", {"lt", "gt"}},       {">", {"gt", "lt"}},    {"<=", {"le", "ge"}},
        {">=", {"ge", "le"}},       {"eq?", {"eq", "eq"}},     {"eqv?", {"eq", "eq"}}, {"string=?", {"eq", "eq"}},
        {"string<?", {"lt", "gt"}}, {"string>?", {"gt", "lt"}}};
    if (auto it = kCompare.find(p); it != kCompare.end()) return compare(n, it->second.first, it->second.second, c);
    static const std::map<std::string, std::vector<std::string_view>> kOps{
        {"zero?", {"eq_imm 0"}},
        {"positive?", {"gt_imm 0"}},
        {"negative?", {"lt_imm 0"}},
        {"even?", {"mod_imm 2", "eq_imm 0"}},
        {"odd?", {"mod_imm 2", "ne_imm 0"}},
        {"null?", {"is nil"}},
        {"pair?", {"is pair"}},
        {"boolean?", {"is bool"}},
        {"symbol?", {"is symbol"}},
        {"string?", {"is string"}},
        {"vector?", {"is array"}},
        {"integer?", {"is int"}},
        {"exact?", {"is int"}},
        {"inexact?", {"is float"}},
        {"%function?", {"is function"}},
        {"%closure?", {"is closure"}},
        {"cons", {"cons"}},
        {"car", {"car"}},
        {"cdr", {"cdr"}},
        {"caar", {"car", "car"}},
        {"cadr", {"cdr", "car"}},
        {"cdar", {"car", "cdr"}},
        {"cddr", {"cdr", "cdr"}},
        {"caddr", {"cdr", "cdr", "car"}},
        {"cdddr", {"cdr", "cdr", "cdr"}},
        {"make-vector", {"array_new"}},
        {"vector-ref", {"array_get"}},
        {"vector-length", {"array_len"}},
        {"string-length", {"str_len"}},
        {"string-ref", {"str_index"}},
        {"number->string", {"to_string"}},
        {"symbol->string", {"to_string"}},
        {"random", {"host random"}},
        {"%host-write", {"host write"}},
    };
    if (auto it = kOps.find(p); it != kOps.end()) {
      args();
      for (std::string_view o : it->second) op(at, std::string(o));
      return done(c, at);
    }
    if (p == "not") {
      gen(*n.kids[0], kValue);
      if (is_boolean(*n.kids[0])) {
        op(at, "not");
      } else {
        op(at, "false");
        op(at, "eq");
      }
      return done(c, at);
    }
    if (p == "set-car!" || p == "set-cdr!" || p == "vector-set!") {
      args();
      op(at, p == "set-car!" ? "set_car" : p == "set-cdr!" ? "set_cdr" : "array_set");
      return done_empty(c, at);
    }
    if (p == "list") {
      args();
      op(at, "nil");
      for (std::size_t k = 0; k < n.kids.size(); ++k) op(at, "cons");
      return done(c, at);
    }
    if (p == "vector") {
      op(at, fmt::format("push {}", n.kids.size()));
      op(at, "array_new");
      for (std::size_t k = 0; k < n.kids.size(); ++k) {
        op(at, "dup");
        op(at, fmt::format("push {}", k));
        gen(*n.kids[k], kValue);
        op(at, "array_set");
      }
      return done(c, at);
    }
    if (p == "string-append") {
      if (n.kids.empty()) {
        op(at, "push \"\"");
        return done(c, at);
      }
      gen(*n.kids[0], kValue);
      for (std::size_t k = 1; k < n.kids.size(); ++k) {
        gen(*n.kids[k], kValue);
        op(at, "str_concat");
      }
      return done(c, at);
    }
    if (p == "read-line") {  // the end of input is the eof object, not the empty list
      const std::string got = new_label();
      op(at, "host read_line");
      op(at, "dup");
      op(at, "jump_if_true " + got);
      op(at, "pop");
      op(at, "push " + std::string(kEofObject));
      label(got);
      return done(c, at);
    }
    if (p == "eof-object?") {
      args();
      op(at, "push " + std::string(kEofObject));
      op(at, "eq");
      return done(c, at);
    }
    if (p == "newline") {
      op(at, "push \"\"");
      op(at, "host print");
      return done(c, at);
    }
    if (p == "raise") {
      args();
      op(at, "throw");
      return;
    }
    if (p == "exit") {
      if (n.kids.empty()) op(at, "push 0");
      args();
      op(at, "halt");
      return;
    }
    fail(fn_->lambda, at, fmt::format("internal error: no code for primitive '{}'", p));
  }

  // [b] as the right operand of [name]: an immediate when it is a small integer constant.
  void arith(const Node& b, std::string_view name, SourcePos at, bool imm_ok = true) {
    if (imm_ok && fits_imm(b)) return op(at, fmt::format("{}_imm {}", name, b.datum.i));
    gen(b, kValue);
    op(at, std::string(name));
  }

  // (< a b ...): each neighbouring pair compared; more than two operands go through
  // temporaries, each evaluated once, left to right.
  void compare(const Node& n, const std::string& name, const std::string& swapped, const Ctx& c) {
    const SourcePos at = n.pos;
    const bool has_imm = name == "eq" || name == "lt" || name == "gt" || name == "le" || name == "ge";
    const bool strings = n.name.rfind("string", 0) == 0;
    if (n.kids.size() == 1) {
      gen(*n.kids[0], kValue);
      op(at, "pop");
      op(at, "true");
      return done(c, at);
    }
    if (n.kids.size() == 2) {
      const Node& a = *n.kids[0];
      const Node& b = *n.kids[1];
      if (has_imm && !strings && fits_imm(b)) {
        gen(a, kValue);
        op(at, fmt::format("{}_imm {}", name, b.datum.i));
      } else if (has_imm && !strings && fits_imm(a)) {
        gen(b, kValue);
        op(at, fmt::format("{}_imm {}", swapped, a.datum.i));
      } else {
        gen(a, kValue);
        gen(b, kValue);
        op(at, name);
      }
      return done(c, at);
    }
    std::vector<std::string> temps;
    for (const NodeP& k : n.kids) {
      gen(*k, kValue);
      temps.push_back(new_local(nullptr));
      op(at, "set_local " + temps.back());
    }
    const std::string no = new_label(), join = new_label();
    for (std::size_t k = 0; k + 1 < temps.size(); ++k) {
      op(at, "get_local " + temps[k]);
      op(at, "get_local " + temps[k + 1]);
      op(at, name);
      op(at, "jump_if_false " + no);
    }
    op(at, "true");
    op(at, "jump " + join);
    label(no);
    op(at, "false");
    label(join);
    done(c, at);
  }
};

}  // namespace

std::string generate_assembly(Module& m) { return CodeGen(m).run(); }

}  // namespace pw::lisp
