// The syntax pass: data in, Module out. Recognises the special forms, rewrites the derived
// ones (cond, case, when, unless, let*, letrec, named let, do, quasiquote, guard) into
// the core nodes of ast.h, and resolves every variable to its binding, its global, a
// primitive or the prelude.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "module.h"
#include "prelude.h"
#include "primitives.h"

namespace pw::lisp {
namespace {

const std::set<std::string_view> kSpecialForms{"quote",  "quasiquote", "unquote", "unquote-splicing",
                                               "lambda", "define",     "set!",    "if",
                                               "cond",   "case",       "when",    "unless",
                                               "and",    "or",         "begin",   "let",
                                               "let*",   "letrec",     "letrec*", "do",
                                               "guard",  "else",       "=>"};

struct Scope {
  Scope* parent = nullptr;
  std::vector<std::pair<std::string, Binding*>> vars;

  Binding* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent)
      for (auto it = s->vars.rbegin(); it != s->vars.rend(); ++it)
        if (it->first == name) return it->second;
    return nullptr;
  }
};

// Whether every use of [name] in [d] calls it from a tail position of a named let's body:
// then the named let is a loop, and each such call a jump back to its top. Conservative:
// any other appearance of the symbol (as a value, in a nested lambda or loop, rebound)
// answers no.
bool only_tail_calls(const Datum& d, const std::string& name, bool tail) {
  if (d.kind == Datum::Kind::Symbol) return d.text != name;
  if (d.kind == Datum::Kind::Vector) {
    for (const Datum& x : d.items)
      if (!only_tail_calls(x, name, false)) return false;
    return true;
  }
  if (d.kind != Datum::Kind::List || d.items.empty()) return true;
  const auto& it = d.items;
  auto all = [&](std::size_t from, bool last_tail) {
    for (std::size_t k = from; k < it.size(); ++k)
      if (!only_tail_calls(it[k], name, last_tail && !d.dotted && k + 1 == it.size())) return false;
    return true;
  };
  if (d.dotted) return all(0, false);
  const Datum& head = it[0];
  if (head.kind == Datum::Kind::Symbol) {
    const std::string& h = head.text;
    if (h == name) return tail && all(1, false);
    if (h == "quote") return true;
    if (h == "if") {
      if (it.size() < 2 || !only_tail_calls(it[1], name, false)) return false;
      for (std::size_t k = 2; k < it.size(); ++k)
        if (!only_tail_calls(it[k], name, tail)) return false;
      return true;
    }
    if (h == "begin" || h == "and" || h == "or") return all(1, tail);
    if (h == "when" || h == "unless") return it.size() >= 2 && only_tail_calls(it[1], name, false) && all(2, tail);
    if (h == "cond" || h == "case") {
      std::size_t from = 1;
      if (h == "case") {
        if (it.size() < 2 || !only_tail_calls(it[1], name, false)) return false;
        from = 2;
      }
      for (std::size_t k = from; k < it.size(); ++k) {
        const Datum& clause = it[k];
        if (!clause.is_list() || clause.items.empty()) return false;
        const bool arrow = clause.items.size() == 3 && clause.items[1].is_symbol("=>");
        for (std::size_t j = 0; j < clause.items.size(); ++j) {
          if (h == "case" && j == 0) continue;
          const bool last = j + 1 == clause.items.size() && !arrow && (j > 0 || h == "case" || clause.items.size() > 1);
          if (!only_tail_calls(clause.items[j], name, tail && last && j > 0)) return false;
        }
      }
      return true;
    }
    if ((h == "let" || h == "let*" || h == "letrec" || h == "letrec*") && it.size() >= 3 && it[1].is_list()) {
      for (const Datum& b : it[1].items)
        if (!only_tail_calls(b, name, false)) return false;
      for (std::size_t k = 2; k < it.size(); ++k) {
        const bool is_define = it[k].is_list() && !it[k].items.empty() && it[k].items[0].is_symbol("define");
        if (!only_tail_calls(it[k], name, tail && !is_define && k + 1 == it.size())) return false;
      }
      return true;
    }
  }
  return all(0, false);
}

class Parser {
 public:
  Parser(Module& m, std::string_view source, std::string file, bool prelude)
      : m_(m), source_(source), file_(std::move(file)), prelude_(prelude) {}

  // The program's top-level forms: definitions become globals, the rest runs in order in
  // the entry function.
  void program(const std::vector<Datum>& forms) {
    std::vector<const Datum*> flat;
    flatten_begins(forms, flat);
    for (const Datum* d : flat) declare_global(*d);
    Lambda* main = m_.new_lambda();
    main->name = prelude_ ? "(prelude)" : "(top level)";
    main->pos = forms.empty() ? SourcePos{} : forms.front().pos;
    main->from_prelude = prelude_;
    lambda_ = main;
    auto seq = node(NodeKind::Seq, main->pos);
    Scope top;
    for (const Datum* d : flat) {
      if (is_form(*d, "define")) {
        seq->kids.push_back(define_global(*d, &top));
      } else {
        if (prelude_) fail(d->pos, "the prelude holds only definitions");
        seq->kids.push_back(expr(*d, &top));
      }
    }
    lambda_ = nullptr;
    if (seq->kids.empty()) seq->kids.push_back(node(NodeKind::Unspecified, main->pos));
    main->body = std::move(seq);
    if (!prelude_) m_.main = main;
  }

 private:
  Module& m_;
  std::string_view source_;
  std::string file_;
  bool prelude_;
  Lambda* lambda_ = nullptr;
  std::set<const Binding*> uninitialized_;

  [[noreturn]] void fail(SourcePos pos, std::string message) const {
    throw CompileError(file_, source_, pos, std::move(message));
  }

  // Derived forms nest as they are rewritten (a cond of N clauses is N nested ifs), and
  // every later pass recurses over the nesting: it is bounded, so none runs out of stack.
  static constexpr std::size_t kMaxDerivedDepth = 10000;
  std::size_t depth_ = 0;
  struct Nested {
    Nested(Parser& p, SourcePos pos) : parser(p) {
      if (++parser.depth_ > kMaxDerivedDepth)
        parser.fail(pos, fmt::format("nested more than {} deep (with the clauses of cond and the bindings of let*)",
                                     kMaxDerivedDepth));
    }
    ~Nested() { --parser.depth_; }
    Parser& parser;
  };

  static NodeP node(NodeKind k, SourcePos pos) { return std::make_unique<Node>(k, pos); }
  static bool is_form(const Datum& d, std::string_view head) {
    return d.kind == Datum::Kind::List && !d.items.empty() && d.items[0].is_symbol(head);
  }
  std::map<std::string, GlobalDef>& globals() { return prelude_ ? m_.prelude_globals : m_.globals; }

  void flatten_begin(const Datum& d, std::vector<const Datum*>& out) {
    if (is_form(d, "begin") && d.is_list()) {
      for (std::size_t k = 1; k < d.items.size(); ++k) flatten_begin(d.items[k], out);
    } else {
      out.push_back(&d);
    }
  }
  void flatten_begins(const std::vector<Datum>& forms, std::vector<const Datum*>& out) {
    for (const Datum& d : forms) flatten_begin(d, out);
  }

  // ---- definitions --------------------------------------------------------------------
  // The name a define defines, checking its shape.
  const Datum& defined_name(const Datum& d) {
    if (!d.is_list() || d.items.size() < 2) fail(d.pos, "define needs a name and a value: (define NAME VALUE)");
    const Datum& target = d.items[1];
    if (target.kind == Datum::Kind::Symbol) {
      if (d.items.size() != 3) fail(d.pos, "define of a variable takes one value: (define NAME VALUE)");
      check_variable_name(target);
      return target;
    }
    if (target.kind == Datum::Kind::List && !target.items.empty()) {
      if (d.items.size() < 3) fail(d.pos, "a procedure needs a body: (define (NAME ARGS...) BODY...)");
      if (target.items[0].kind != Datum::Kind::Symbol) fail(target.items[0].pos, "expected the procedure's name");
      check_variable_name(target.items[0]);
      return target.items[0];
    }
    fail(target.pos, "expected a name or (NAME ARGS...) after define");
  }

  void check_variable_name(const Datum& name) {
    if (name.kind != Datum::Kind::Symbol) fail(name.pos, fmt::format("expected a variable name, not {}", name.show()));
    if (kSpecialForms.count(name.text)) fail(name.pos, fmt::format("'{}' is a keyword, not a variable", name.text));
  }

  void declare_global(const Datum& d) {
    if (!is_form(d, "define")) return;
    const Datum& name = defined_name(d);
    GlobalDef& g = globals()[name.text];
    if (g.definitions == 0) {
      g.name = name.text;
      g.pos = name.pos;
      g.from_prelude = prelude_;
    }
    ++g.definitions;
  }

  // The value a define gives, a lambda named after the variable for (define (f ...) ...).
  NodeP define_value(const Datum& d, Scope* s) {
    const Datum& target = d.items[1];
    if (target.kind == Datum::Kind::Symbol) return expr(d.items[2], s, target.text);
    Datum params = target;
    params.items.erase(params.items.begin());
    if (params.items.empty() && params.dotted) params = target.items.back();  // (define (f . rest) ...)
    return lambda(params, d.items, 2, d.pos, target.items[0].text, s);
  }

  NodeP define_global(const Datum& d, Scope* s) {
    const Datum& name = defined_name(d);
    GlobalDef& g = globals()[name.text];
    NodeP value = define_value(d, s);
    if (value->kind == NodeKind::Lambda && !g.lambda) g.lambda = value->lambda;
    if (prelude_ && value->kind != NodeKind::Lambda) {
      g.init = std::move(value);
      return node(NodeKind::Unspecified, d.pos);
    }
    auto set = node(NodeKind::GlobalSet, d.pos);
    set->global = &g;
    set->is_define = true;
    set->kids.push_back(std::move(value));
    return set;
  }

  // ---- expressions --------------------------------------------------------------------
  NodeP expr(const Datum& d, Scope* s, const std::string& name_hint = "") {
    const Nested nested(*this, d.pos);
    switch (d.kind) {
      case Datum::Kind::Int:
      case Datum::Kind::Float:
      case Datum::Kind::String:
      case Datum::Kind::Bool:
        return constant(d);
      case Datum::Kind::Vector:
        fail(d.pos, "a vector literal must be quoted: '#(...)");
      case Datum::Kind::Symbol:
        return reference(d, s);
      case Datum::Kind::List:
        break;
    }
    if (d.items.empty()) fail(d.pos, "an empty combination (); the empty list is written '()");
    if (d.dotted) fail(d.pos, "a call cannot be a dotted list");
    const Datum& head = d.items[0];
    if (head.kind == Datum::Kind::Symbol && !s->find(head.text) && kSpecialForms.count(head.text))
      return special(d, s, name_hint);
    return call(d, s);
  }

  NodeP constant(const Datum& d) {
    auto n = node(NodeKind::Const, d.pos);
    n->datum = d;
    return n;
  }

  NodeP reference(const Datum& d, Scope* s) {
    if (Binding* b = s->find(d.text)) {
      if (b->loop_label) fail(d.pos, fmt::format("the loop '{}' can only be called", d.text));
      note_use(b, d.pos);
      auto n = node(NodeKind::LocalRef, d.pos);
      n->binding = b;
      return n;
    }
    if (kSpecialForms.count(d.text)) fail(d.pos, fmt::format("'{}' is a keyword and has no value", d.text));
    if (GlobalDef* g = find_global(d.text)) {
      auto n = node(NodeKind::GlobalRef, d.pos);
      n->global = g;
      return n;
    }
    if (const Primitive* p = find_primitive(d.text)) {
      auto n = node(NodeKind::GlobalRef, d.pos);
      n->global = primitive_value(*p, d.pos);
      return n;
    }
    fail(d.pos, fmt::format("unknown variable '{}'", d.text));
  }

  GlobalDef* find_global(const std::string& name) {
    auto own = globals().find(name);
    if (own != globals().end()) return &own->second;
    if (prelude_) return nullptr;
    if (find_primitive(name)) return nullptr;  // a primitive: the caller makes it
    auto lib = m_.prelude_globals.find(name);
    return lib == m_.prelude_globals.end() ? nullptr : &lib->second;
  }

  // A primitive used as a value: a prelude procedure that calls it.
  GlobalDef* primitive_value(const Primitive& p, SourcePos pos) {
    // Those that take any number of arguments are the prelude's %value procedures.
    if (auto variadic = m_.prelude_globals.find(
            fmt::format("%value{}{}", std::isalpha(static_cast<unsigned char>(p.name[0])) ? "-" : "", p.name));
        variadic != m_.prelude_globals.end())
      return &variadic->second;
    if (p.value_arity < 0) fail(pos, fmt::format("internal error: no value for '{}'", p.name));
    const std::string key = fmt::format("%prim:{}", p.name);
    GlobalDef& g = m_.prelude_globals[key];
    if (g.lambda) return &g;
    g.name = key;
    g.from_prelude = true;
    g.definitions = 1;
    Lambda* l = m_.new_lambda();
    l->name = std::string(p.name);
    l->from_prelude = true;
    auto body = node(NodeKind::Prim, SourcePos{0, 0});
    body->name = std::string(p.name);
    for (int k = 0; k < p.value_arity; ++k) {
      Binding* b = m_.new_binding(fmt::format("x{}", k + 1), SourcePos{0, 0}, l);
      l->params.push_back(b);
      auto ref = node(NodeKind::LocalRef, SourcePos{0, 0});
      ref->binding = b;
      body->kids.push_back(std::move(ref));
    }
    l->body = std::move(body);
    g.lambda = l;
    return &g;
  }

  // A use of [b]: from a nested lambda, every lambda between here and its owner captures it.
  void note_use(Binding* b, SourcePos pos) {
    if (uninitialized_.count(b)) {
      if (b->owner == lambda_) fail(pos, fmt::format("'{}' is used before its definition", b->name));
      b->captured_before_init = true;
    }
    for (Lambda* l = lambda_; l && l != b->owner; l = l->parent) {
      b->captured = true;
      if (std::find(l->free.begin(), l->free.end(), b) == l->free.end()) l->free.push_back(b);
    }
  }

  NodeP call(const Datum& d, Scope* s) {
    const Datum& head = d.items[0];
    const std::size_t argc = d.items.size() - 1;
    if (head.kind == Datum::Kind::Symbol) {
      Binding* b = s->find(head.text);
      if (b && b->loop_label) {
        if (argc != b->loop->vars.size())
          fail(d.pos, fmt::format("'{}' takes {} argument{}, given {}", head.text, b->loop->vars.size(),
                                  b->loop->vars.size() == 1 ? "" : "s", argc));
        auto n = node(NodeKind::Recur, d.pos);
        n->loop = b->loop;
        for (std::size_t k = 1; k < d.items.size(); ++k) n->kids.push_back(expr(d.items[k], s));
        b->loop->recurs.push_back(n.get());
        return n;
      }
      if (!b && !globals().count(head.text)) {
        if (const Primitive* p = find_primitive(head.text)) return primitive_call(*p, d, s);
      }
    } else if (head.kind != Datum::Kind::List) {
      fail(head.pos, fmt::format("{} is not a procedure", head.show()));
    }
    auto n = node(NodeKind::Call, d.pos);
    for (const Datum& x : d.items) n->kids.push_back(expr(x, s));
    return n;
  }

  NodeP primitive_call(const Primitive& p, const Datum& d, Scope* s) {
    const int argc = static_cast<int>(d.items.size()) - 1;
    if (argc < p.min_args || (p.max_args >= 0 && argc > p.max_args)) {
      std::string want = p.max_args < 0             ? fmt::format("at least {}", p.min_args)
                         : p.min_args == p.max_args ? std::to_string(p.min_args)
                                                    : fmt::format("{} to {}", p.min_args, p.max_args);
      fail(d.pos, fmt::format("'{}' takes {} argument{}, given {}", p.name, want,
                              p.max_args == 1 && p.min_args == 1 ? "" : "s", argc));
    }
    if (p.name == "make-vector" && argc == 2) {  // with a fill value: the prelude's
      auto n = node(NodeKind::Call, d.pos);
      auto f = node(NodeKind::GlobalRef, d.items[0].pos);
      f->global = library("%make-vector-fill", d.pos);
      n->kids.push_back(std::move(f));
      for (std::size_t k = 1; k < d.items.size(); ++k) n->kids.push_back(expr(d.items[k], s));
      return n;
    }
    auto n = node(NodeKind::Prim, d.pos);
    n->name = std::string(p.name);
    for (std::size_t k = 1; k < d.items.size(); ++k) n->kids.push_back(expr(d.items[k], s));
    return n;
  }

  // ---- special forms ------------------------------------------------------------------
  void need(const Datum& d, bool ok, std::string_view usage) {
    if (!ok) fail(d.pos, fmt::format("bad {} form; expected {}", d.items[0].text, usage));
  }

  NodeP special(const Datum& d, Scope* s, const std::string& name_hint) {
    const std::string& h = d.items[0].text;
    const auto& it = d.items;
    if (h == "quote") {
      need(d, it.size() == 2, "(quote DATUM)");
      return quoted(it[1]);
    }
    if (h == "quasiquote") {
      need(d, it.size() == 2, "(quasiquote DATUM)");
      return quasi(it[1], s, 1);
    }
    if (h == "unquote" || h == "unquote-splicing") fail(d.pos, fmt::format("'{}' outside a quasiquote", h));
    if (h == "lambda") {
      need(d, it.size() >= 3, "(lambda (PARAMS...) BODY...)");
      return lambda(it[1], it, 2, d.pos, name_hint, s);
    }
    if (h == "define") fail(d.pos, "define is only allowed at the top level or at the start of a body");
    if (h == "set!") {
      need(d, it.size() == 3 && it[1].kind == Datum::Kind::Symbol, "(set! VARIABLE VALUE)");
      return assign(it[1], expr(it[2], s, it[1].text), s, d.pos);
    }
    if (h == "if") {
      need(d, it.size() == 3 || it.size() == 4, "(if TEST THEN [ELSE])");
      auto n = node(NodeKind::If, d.pos);
      n->kids.push_back(expr(it[1], s));
      n->kids.push_back(expr(it[2], s));
      n->kids.push_back(it.size() == 4 ? expr(it[3], s) : node(NodeKind::Unspecified, d.pos));
      return n;
    }
    if (h == "begin") {
      need(d, it.size() >= 2, "(begin EXPR...)");
      return sequence(it, 1, s, d.pos);
    }
    if (h == "when" || h == "unless") {
      need(d, it.size() >= 3, fmt::format("({} TEST EXPR...)", h));
      auto n = node(NodeKind::If, d.pos);
      n->kids.push_back(expr(it[1], s));
      NodeP body = sequence(it, 2, s, d.pos);
      NodeP none = node(NodeKind::Unspecified, d.pos);
      if (h == "when") {
        n->kids.push_back(std::move(body));
        n->kids.push_back(std::move(none));
      } else {
        n->kids.push_back(std::move(none));
        n->kids.push_back(std::move(body));
      }
      return n;
    }
    if (h == "and" || h == "or") {
      if (it.size() == 1) {
        Datum b;
        b.kind = Datum::Kind::Bool;
        b.i = h == "and";
        b.pos = d.pos;
        return constant(b);
      }
      if (it.size() == 2) return expr(it[1], s);
      auto n = node(h == "and" ? NodeKind::And : NodeKind::Or, d.pos);
      for (std::size_t k = 1; k < it.size(); ++k) n->kids.push_back(expr(it[k], s));
      return n;
    }
    if (h == "cond") return cond(d, 1, s);
    if (h == "case") return case_form(d, s);
    if (h == "let") return let(d, s);
    if (h == "let*") return let_star(d, 0, s);
    if (h == "letrec" || h == "letrec*") return letrec(d, s);
    if (h == "do") return do_loop(d, s);
    if (h == "guard") return guard(d, s);
    fail(d.pos, fmt::format("'{}' cannot be used here", h));
  }

  NodeP assign(const Datum& name, NodeP value, Scope* s, SourcePos pos) {
    if (Binding* b = s->find(name.text)) {
      if (b->loop_label) fail(name.pos, fmt::format("the loop '{}' cannot be set!", name.text));
      note_use(b, name.pos);
      b->mutated = true;
      auto n = node(NodeKind::LocalSet, pos);
      n->binding = b;
      n->kids.push_back(std::move(value));
      return n;
    }
    auto own = globals().find(name.text);
    if (own == globals().end()) {
      if (find_primitive(name.text) || m_.prelude_globals.count(name.text))
        fail(name.pos, fmt::format("cannot set! the library procedure '{}'; define your own first", name.text));
      fail(name.pos, fmt::format("set! of an unknown variable '{}'", name.text));
    }
    own->second.mutated = true;
    auto n = node(NodeKind::GlobalSet, pos);
    n->global = &own->second;
    n->kids.push_back(std::move(value));
    return n;
  }

  NodeP sequence(const std::vector<Datum>& items, std::size_t from, Scope* s, SourcePos pos) {
    if (from + 1 == items.size()) return expr(items[from], s);
    auto n = node(NodeKind::Seq, pos);
    for (std::size_t k = from; k < items.size(); ++k) n->kids.push_back(expr(items[k], s));
    return n;
  }

  // A body: internal defines (letrec* semantics) and then at least one expression.
  NodeP body(const std::vector<Datum>& items, std::size_t from, Scope* s, SourcePos pos) {
    std::size_t first_expr = from;
    while (first_expr < items.size() && is_form(items[first_expr], "define")) ++first_expr;
    for (std::size_t k = first_expr; k < items.size(); ++k)
      if (is_form(items[k], "define")) fail(items[k].pos, "a define must come before the body's expressions");
    if (first_expr == items.size()) fail(pos, "a body needs at least one expression after its defines");
    if (first_expr == from) return sequence(items, from, s, pos);
    auto scope = std::make_unique<Scope>();
    scope->parent = s;
    auto let = node(NodeKind::Let, pos);
    let->is_define = true;  // letrec: the bindings start unassigned, the body assigns them
    for (std::size_t k = from; k < first_expr; ++k) {
      const Datum& name = defined_name(items[k]);
      for (Binding* b : let->bindings)
        if (b->name == name.text) fail(name.pos, fmt::format("'{}' is defined twice in this body", name.text));
      Binding* b = m_.new_binding(name.text, name.pos, lambda_);
      let->bindings.push_back(b);
      scope->vars.emplace_back(name.text, b);
      uninitialized_.insert(b);
    }
    auto seq = node(NodeKind::Seq, pos);
    for (std::size_t k = from; k < first_expr; ++k) {
      Binding* b = let->bindings[k - from];
      NodeP value = define_value(items[k], scope.get());
      uninitialized_.erase(b);
      if (value->kind == NodeKind::Lambda) b->known = value->lambda;
      auto set = node(NodeKind::LocalSet, items[k].pos);
      set->binding = b;
      set->is_define = true;
      set->kids.push_back(std::move(value));
      seq->kids.push_back(std::move(set));
    }
    for (std::size_t k = first_expr; k < items.size(); ++k) seq->kids.push_back(expr(items[k], scope.get()));
    let->kids.push_back(std::move(seq));
    scopes_.push_back(std::move(scope));
    return let;
  }
  std::vector<std::unique_ptr<Scope>> scopes_;

  Scope* new_scope(Scope* parent) {
    scopes_.push_back(std::make_unique<Scope>());
    scopes_.back()->parent = parent;
    return scopes_.back().get();
  }

  NodeP lambda(const Datum& params, const std::vector<Datum>& items, std::size_t body_from, SourcePos pos,
               const std::string& name, Scope* s) {
    Lambda* l = m_.new_lambda();
    l->name = !name.empty() ? name : fmt::format("lambda@{}:{}", file_, pos.line);
    l->pos = pos;
    l->parent = lambda_;
    l->from_prelude = prelude_;
    Scope* scope = new_scope(s);
    auto add_param = [&](const Datum& p) {
      check_variable_name(p);
      for (Binding* b : l->params)
        if (b->name == p.text) fail(p.pos, fmt::format("parameter '{}' appears twice", p.text));
      Binding* b = m_.new_binding(p.text, p.pos, l);
      l->params.push_back(b);
      scope->vars.emplace_back(p.text, b);
    };
    if (params.kind == Datum::Kind::Symbol) {
      add_param(params);
      l->rest = true;
    } else if (params.kind == Datum::Kind::List) {
      for (const Datum& p : params.items) add_param(p);
      l->rest = params.dotted;
    } else {
      fail(params.pos, "expected the parameter list: (NAME...), (NAME... . REST) or REST");
    }
    Lambda* outer = lambda_;
    lambda_ = l;
    l->body = body(items, body_from, scope, pos);
    lambda_ = outer;
    auto n = node(NodeKind::Lambda, pos);
    n->lambda = l;
    return n;
  }

  // (cond (TEST EXPR...) (TEST => F) (TEST) ... (else EXPR...))
  NodeP cond(const Datum& d, std::size_t k, Scope* s) {
    const Nested nested(*this, d.pos);
    if (k == d.items.size()) return node(NodeKind::Unspecified, d.pos);
    const Datum& clause = d.items[k];
    if (!clause.is_list() || clause.items.empty())
      fail(clause.pos, "a cond clause is (TEST EXPR...), (TEST => PROCEDURE) or (else EXPR...)");
    if (clause.items[0].is_symbol("else") && !s->find("else")) {
      if (k + 1 != d.items.size()) fail(clause.pos, "else must be the last cond clause");
      if (clause.items.size() < 2) fail(clause.pos, "else needs at least one expression");
      return sequence(clause.items, 1, s, clause.pos);
    }
    if (clause.items.size() >= 2 && clause.items[1].is_symbol("=>")) {
      if (clause.items.size() != 3) fail(clause.pos, "expected (TEST => PROCEDURE)");
      // (let ((t TEST)) (if t (F t) REST))
      auto [let, scope, t] = temp_let("%test", clause.items[0], s, clause.pos);
      auto n = node(NodeKind::If, clause.pos);
      n->kids.push_back(local(t, clause.pos));
      auto call = node(NodeKind::Call, clause.items[2].pos);
      call->kids.push_back(expr(clause.items[2], scope));
      call->kids.push_back(local(t, clause.pos));
      n->kids.push_back(std::move(call));
      n->kids.push_back(cond(d, k + 1, scope));
      let->kids.push_back(std::move(n));
      return std::move(let);
    }
    if (clause.items.size() == 1) {  // (TEST): the test's value when true
      auto n = node(NodeKind::Or, clause.pos);
      n->kids.push_back(expr(clause.items[0], s));
      n->kids.push_back(cond(d, k + 1, s));
      return n;
    }
    auto n = node(NodeKind::If, clause.pos);
    n->kids.push_back(expr(clause.items[0], s));
    n->kids.push_back(sequence(clause.items, 1, s, clause.pos));
    n->kids.push_back(cond(d, k + 1, s));
    return n;
  }

  // (let ((NAME INIT)) ...) for a value evaluated once: the let, and the scope and binding
  // of the body the caller builds. NAME starts with % so no program can name it.
  struct Temp {
    NodeP let;
    Scope* scope;
    Binding* binding;
  };
  Temp temp_let(const char* name, const Datum& init, Scope* s, SourcePos pos) {
    Scope* scope = new_scope(s);
    Binding* b = m_.new_binding(name, pos, lambda_);
    auto let = node(NodeKind::Let, pos);
    let->bindings.push_back(b);
    let->kids.push_back(expr(init, s));
    scope->vars.emplace_back(name, b);
    return {std::move(let), scope, b};
  }

  NodeP local(Binding* b, SourcePos pos) {
    note_use(b, pos);
    auto n = node(NodeKind::LocalRef, pos);
    n->binding = b;
    return n;
  }

  // (case KEY ((DATUM...) EXPR...) ... (else EXPR...)): KEY once, compared with eqv?.
  NodeP case_form(const Datum& d, Scope* s) {
    if (d.items.size() > kMaxDerivedDepth) fail(d.pos, fmt::format("a case of more than {} clauses", kMaxDerivedDepth));
    need(d, d.items.size() >= 2, "(case KEY ((DATUM...) EXPR...)... [(else EXPR...)])");
    auto [let, scope, key] = temp_let("%key", d.items[1], s, d.pos);
    NodeP chain = node(NodeKind::Unspecified, d.pos);
    for (std::size_t k = d.items.size(); k-- > 2;) {
      const Datum& clause = d.items[k];
      if (!clause.is_list() || clause.items.size() < 2)
        fail(clause.pos, "a case clause is ((DATUM...) EXPR...) or (else EXPR...)");
      NodeP body = sequence(clause.items, 1, scope, clause.pos);
      if (clause.items[0].is_symbol("else")) {
        if (k + 1 != d.items.size()) fail(clause.pos, "else must be the last case clause");
        chain = std::move(body);
        continue;
      }
      if (!clause.items[0].is_list()) fail(clause.items[0].pos, "expected a list of data: ((DATUM...) EXPR...)");
      auto test = node(NodeKind::Or, clause.pos);
      for (const Datum& datum : clause.items[0].items) {
        auto eq = node(NodeKind::Prim, datum.pos);
        eq->name = "eqv?";
        eq->kids.push_back(local(key, datum.pos));
        eq->kids.push_back(quoted(datum));
        test->kids.push_back(std::move(eq));
      }
      if (test->kids.empty()) continue;
      auto n = node(NodeKind::If, clause.pos);
      n->kids.push_back(test->kids.size() == 1 ? std::move(test->kids[0]) : std::move(test));
      n->kids.push_back(std::move(body));
      n->kids.push_back(std::move(chain));
      chain = std::move(n);
    }
    let->kids.push_back(std::move(chain));
    return std::move(let);
  }

  struct LetBinding {
    const Datum* name;
    const Datum* init;
  };
  std::vector<LetBinding> let_bindings(const Datum& list, const Datum& form, bool steps = false) {
    if (!list.is_list()) fail(list.pos, fmt::format("expected the {} bindings: ((NAME VALUE)...)", form.items[0].text));
    std::vector<LetBinding> out;
    for (const Datum& b : list.items) {
      const std::size_t n = b.is_list() ? b.items.size() : 0;
      if (!b.is_list() || (steps ? (n < 2 || n > 3) : n != 2))
        fail(b.pos, steps ? "a do binding is (NAME INIT [STEP])" : "a binding is (NAME VALUE)");
      check_variable_name(b.items[0]);
      for (const LetBinding& o : out)
        if (o.name->text == b.items[0].text) fail(b.items[0].pos, fmt::format("'{}' is bound twice", b.items[0].text));
      out.push_back({&b.items[0], &b.items[1]});
    }
    return out;
  }

  NodeP let(const Datum& d, Scope* s) {
    if (d.items.size() >= 2 && d.items[1].kind == Datum::Kind::Symbol) return named_let(d, s);
    need(d, d.items.size() >= 3, "(let ((NAME VALUE)...) BODY...)");
    auto bs = let_bindings(d.items[1], d);
    auto n = node(NodeKind::Let, d.pos);
    Scope* scope = new_scope(s);
    for (const LetBinding& b : bs) n->kids.push_back(expr(*b.init, s, b.name->text));
    for (const LetBinding& b : bs) {
      Binding* v = m_.new_binding(b.name->text, b.name->pos, lambda_);
      n->bindings.push_back(v);
      scope->vars.emplace_back(v->name, v);
    }
    for (std::size_t k = 0; k < bs.size(); ++k)
      if (n->kids[k]->kind == NodeKind::Lambda) n->bindings[k]->known = n->kids[k]->lambda;
    n->kids.push_back(body(d.items, 2, scope, d.pos));
    return n;
  }

  NodeP let_star(const Datum& d, std::size_t k, Scope* s) {
    const Nested nested(*this, d.pos);
    need(d, d.items.size() >= 3, "(let* ((NAME VALUE)...) BODY...)");
    if (!d.items[1].is_list()) fail(d.items[1].pos, "expected the let* bindings: ((NAME VALUE)...)");
    const auto& list = d.items[1].items;
    if (k == list.size()) return body(d.items, 2, s, d.pos);
    const Datum& b = list[k];
    if (!b.is_list() || b.items.size() != 2) fail(b.pos, "a binding is (NAME VALUE)");
    check_variable_name(b.items[0]);
    auto n = node(NodeKind::Let, k == 0 ? d.pos : b.pos);
    n->kids.push_back(expr(b.items[1], s, b.items[0].text));
    Scope* scope = new_scope(s);
    Binding* v = m_.new_binding(b.items[0].text, b.items[0].pos, lambda_);
    if (n->kids[0]->kind == NodeKind::Lambda) v->known = n->kids[0]->lambda;
    n->bindings.push_back(v);
    scope->vars.emplace_back(v->name, v);
    n->kids.push_back(let_star(d, k + 1, scope));
    return n;
  }

  NodeP letrec(const Datum& d, Scope* s) {
    need(d, d.items.size() >= 3, "(letrec ((NAME VALUE)...) BODY...)");
    auto bs = let_bindings(d.items[1], d);
    Scope* scope = new_scope(s);
    auto let = node(NodeKind::Let, d.pos);
    let->is_define = true;
    for (const LetBinding& b : bs) {
      Binding* v = m_.new_binding(b.name->text, b.name->pos, lambda_);
      let->bindings.push_back(v);
      scope->vars.emplace_back(v->name, v);
      uninitialized_.insert(v);
    }
    auto seq = node(NodeKind::Seq, d.pos);
    for (std::size_t k = 0; k < bs.size(); ++k) {
      Binding* v = let->bindings[k];
      NodeP value = expr(*bs[k].init, scope, v->name);
      uninitialized_.erase(v);
      if (value->kind == NodeKind::Lambda) v->known = value->lambda;
      auto set = node(NodeKind::LocalSet, bs[k].name->pos);
      set->binding = v;
      set->is_define = true;
      set->kids.push_back(std::move(value));
      seq->kids.push_back(std::move(set));
    }
    seq->kids.push_back(body(d.items, 2, scope, d.pos));
    let->kids.push_back(std::move(seq));
    return let;
  }

  // (let NAME ((VAR INIT)...) BODY...): a loop when NAME is only called from tail
  // positions of the body, else a local recursive procedure.
  NodeP named_let(const Datum& d, Scope* s) {
    need(d, d.items.size() >= 4, "(let NAME ((VAR INIT)...) BODY...)");
    const Datum& name = d.items[1];
    check_variable_name(name);
    auto bs = let_bindings(d.items[2], d);
    bool loop = true;
    for (std::size_t k = 3; k < d.items.size(); ++k)
      loop = loop && !is_form(d.items[k], "define") && only_tail_calls(d.items[k], name.text, k + 1 == d.items.size());
    for (const LetBinding& b : bs) loop = loop && b.name->text != name.text;
    if (loop) {
      auto n = node(NodeKind::Loop, d.pos);
      n->loop = m_.new_loop();
      for (const LetBinding& b : bs) n->kids.push_back(expr(*b.init, s));
      Scope* scope = new_scope(s);
      Binding* label = m_.new_binding(name.text, name.pos, lambda_);
      label->loop_label = true;
      label->loop = n->loop;
      scope->vars.emplace_back(name.text, label);
      for (const LetBinding& b : bs) {
        Binding* v = m_.new_binding(b.name->text, b.name->pos, lambda_);
        n->loop->vars.push_back(v);
        scope->vars.emplace_back(v->name, v);
      }
      n->kids.push_back(body(d.items, 3, scope, d.pos));
      return n;
    }
    // (letrec ((NAME (lambda (VAR...) BODY...))) (NAME INIT...)); the inits cannot see NAME.
    std::vector<NodeP> inits;
    for (const LetBinding& b : bs) inits.push_back(expr(*b.init, s));
    Scope* scope = new_scope(s);
    auto let = node(NodeKind::Let, d.pos);
    let->is_define = true;
    Binding* f = m_.new_binding(name.text, name.pos, lambda_);
    let->bindings.push_back(f);
    scope->vars.emplace_back(name.text, f);
    uninitialized_.insert(f);
    Datum params;
    params.kind = Datum::Kind::List;
    params.pos = d.items[2].pos;
    for (const LetBinding& b : bs) params.items.push_back(*b.name);
    NodeP fn = lambda(params, d.items, 3, d.pos, name.text, scope);
    uninitialized_.erase(f);
    f->known = fn->lambda;
    auto seq = node(NodeKind::Seq, d.pos);
    auto set = node(NodeKind::LocalSet, d.pos);
    set->binding = f;
    set->is_define = true;
    set->kids.push_back(std::move(fn));
    seq->kids.push_back(std::move(set));
    auto call = node(NodeKind::Call, d.pos);
    call->kids.push_back(local(f, d.pos));
    for (NodeP& init : inits) call->kids.push_back(std::move(init));
    seq->kids.push_back(std::move(call));
    let->kids.push_back(std::move(seq));
    return let;
  }

  // (do ((VAR INIT STEP)...) (TEST RESULT...) COMMAND...): a loop.
  NodeP do_loop(const Datum& d, Scope* s) {
    need(d, d.items.size() >= 3, "(do ((VAR INIT [STEP])...) (TEST RESULT...) COMMAND...)");
    auto bs = let_bindings(d.items[1], d, true);
    const Datum& exit = d.items[2];
    if (!exit.is_list() || exit.items.empty()) fail(exit.pos, "expected the do loop's exit clause: (TEST RESULT...)");
    auto n = node(NodeKind::Loop, d.pos);
    n->loop = m_.new_loop();
    n->loop->from_do = true;
    for (const LetBinding& b : bs) n->kids.push_back(expr(*b.init, s));
    Scope* scope = new_scope(s);
    for (const LetBinding& b : bs) {
      Binding* v = m_.new_binding(b.name->text, b.name->pos, lambda_);
      n->loop->vars.push_back(v);
      scope->vars.emplace_back(v->name, v);
    }
    auto branch = node(NodeKind::If, exit.pos);
    branch->kids.push_back(expr(exit.items[0], scope));
    branch->kids.push_back(exit.items.size() > 1 ? sequence(exit.items, 1, scope, exit.pos)
                                                 : node(NodeKind::Unspecified, exit.pos));
    auto again = node(NodeKind::Seq, d.pos);
    for (std::size_t k = 3; k < d.items.size(); ++k) again->kids.push_back(expr(d.items[k], scope));
    auto recur = node(NodeKind::Recur, d.pos);
    recur->loop = n->loop;
    for (std::size_t k = 0; k < bs.size(); ++k) {
      const Datum& spec = d.items[1].items[k];  // (VAR INIT [STEP]): without a step, VAR keeps its value
      recur->kids.push_back(expr(spec.items.size() == 3 ? spec.items[2] : spec.items[0], scope));
    }
    n->loop->recurs.push_back(recur.get());
    again->kids.push_back(std::move(recur));
    branch->kids.push_back(std::move(again));
    n->kids.push_back(std::move(branch));
    return n;
  }

  // (guard (VAR CLAUSE...) BODY...): BODY; if it raises, VAR is the raised value and the
  // clauses are tried like cond's; with no clause true the value is raised again.
  NodeP guard(const Datum& d, Scope* s) {
    need(d,
         d.items.size() >= 3 && d.items[1].is_list() && !d.items[1].items.empty() &&
             d.items[1].items[0].kind == Datum::Kind::Symbol,
         "(guard (VAR CLAUSE...) BODY...)");
    const Datum& spec = d.items[1];
    check_variable_name(spec.items[0]);
    auto n = node(NodeKind::Guard, d.pos);
    n->kids.push_back(body(d.items, 2, s, d.pos));
    Scope* scope = new_scope(s);
    Binding* v = m_.new_binding(spec.items[0].text, spec.items[0].pos, lambda_);
    scope->vars.emplace_back(v->name, v);
    n->binding = v;
    Datum clauses = spec;  // (cond CLAUSE... [else (raise VAR)])
    clauses.items[0].text = "cond";
    const bool has_else = clauses.items.size() > 1 && clauses.items.back().is_list() &&
                          !clauses.items.back().items.empty() && clauses.items.back().items[0].is_symbol("else");
    NodeP handler = cond(clauses, 1, scope);
    if (!has_else) {
      // The last link of the chain is Unspecified: replace it with a raise of VAR.
      Node* last = handler.get();
      NodeP* slot = &handler;
      while (last->kind == NodeKind::If || last->kind == NodeKind::Or || last->kind == NodeKind::Let) {
        slot = &last->kids.back();
        last = slot->get();
      }
      if (last->kind != NodeKind::Unspecified) fail(d.pos, "internal error: guard clauses");
      auto raise = node(NodeKind::Prim, spec.pos);
      raise->name = "raise";
      raise->kids.push_back(local(v, spec.pos));
      *slot = std::move(raise);
    }
    n->kids.push_back(std::move(handler));
    return n;
  }

  // ---- quotation ----------------------------------------------------------------------
  NodeP quoted(const Datum& d) {
    auto n = constant(d);
    if ((d.kind == Datum::Kind::List && !d.items.empty()) || d.kind == Datum::Kind::Vector)
      m_.quoted.push_back(n.get());
    return n;
  }

  // `X at quasiquote depth [depth]: lists and vectors built at run time around the
  // unquoted parts.
  NodeP quasi(const Datum& d, Scope* s, int depth) {
    if (d.kind == Datum::Kind::Vector) {
      Datum list = d;
      list.kind = Datum::Kind::List;
      auto n = node(NodeKind::Call, d.pos);
      auto f = node(NodeKind::GlobalRef, d.pos);
      f->global = library("list->vector", d.pos);
      n->kids.push_back(std::move(f));
      n->kids.push_back(quasi(list, s, depth));
      return n;
    }
    if (d.kind != Datum::Kind::List || d.items.empty()) return quoted(d);
    if (d.items[0].is_symbol("unquote") && !d.dotted) {
      if (d.items.size() != 2) fail(d.pos, "expected (unquote EXPR)");
      if (depth == 1) return expr(d.items[1], s);
      fail(d.pos, "nested quasiquote is not supported");
    }
    if (d.items[0].is_symbol("quasiquote")) fail(d.pos, "nested quasiquote is not supported");
    // Build from the tail: (a ,@b c . d) = (cons a (append b (cons c d)))
    NodeP tail;
    std::size_t n = d.items.size();
    if (n > kMaxDerivedDepth) fail(d.pos, fmt::format("a quasiquoted list of more than {} items", kMaxDerivedDepth));
    if (d.dotted) {
      tail = quasi(d.items.back(), s, depth);
      --n;
    } else {
      Datum nil;
      nil.kind = Datum::Kind::List;
      nil.pos = d.end;
      tail = quoted(nil);
    }
    for (std::size_t k = n; k-- > 0;) {
      const Datum& x = d.items[k];
      if (is_form(x, "unquote-splicing")) {
        if (x.items.size() != 2) fail(x.pos, "expected (unquote-splicing EXPR)");
        auto app = node(NodeKind::Call, x.pos);
        auto f = node(NodeKind::GlobalRef, x.pos);
        f->global = library("append", x.pos);
        app->kids.push_back(std::move(f));
        app->kids.push_back(expr(x.items[1], s));
        app->kids.push_back(std::move(tail));
        tail = std::move(app);
        continue;
      }
      auto cons = node(NodeKind::Prim, x.pos);
      cons->name = "cons";
      cons->kids.push_back(quasi(x, s, depth));
      cons->kids.push_back(std::move(tail));
      tail = std::move(cons);
    }
    return tail;
  }

  GlobalDef* library(const std::string& name, SourcePos pos) {
    auto it = m_.prelude_globals.find(name);
    if (it == m_.prelude_globals.end()) fail(pos, fmt::format("internal error: no prelude procedure '{}'", name));
    return &it->second;
  }
};

}  // namespace

std::unique_ptr<Module> parse_module(std::string_view source, const std::string& file) {
  auto m = std::make_unique<Module>();
  m->file = file;
  m->source = std::string(source);
  const std::string_view lib = prelude_source();
  Parser(*m, lib, "<prelude>", true).program(read_all(lib, "<prelude>"));
  Parser(*m, source, file, false).program(read_all(source, file));
  return m;
}

}  // namespace pw::lisp
