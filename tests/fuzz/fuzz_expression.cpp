// Fuzzes the expression language (replay/expression.h): the input is an expression's text,
// read against two example programs and evaluated against real states of their runs (the
// start, two points on the way and the end), in every frame, as text and as JSON.
// Reading may refuse the text with an ExpressionError; nothing else may go wrong.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "assembler.h"
#include "expression.h"
#include "fuzz_support.h"
#include "interpreter.h"

namespace {

struct Subject {
  std::shared_ptr<const pw::Program> program;
  std::vector<std::unique_ptr<pw::ScriptedHost>> hosts;
  std::vector<std::unique_ptr<pw::VmState>> states;
};

// inventory: globals, arrays, pairs, symbols, six frames deep at its failure; strings:
// string objects and their bytes.
const std::vector<Subject>& subjects() {
  static const auto all = [] {
    std::vector<Subject> out;
    for (const char* name : {"inventory.pwa", "strings.pwa"}) {
      Subject s;
      s.program = pw::load_program(std::string(EXAMPLES_DIR) + "/" + name);
      pw::VmConfig config;
      config.capabilities = pw::kCapIo | pw::kCapClock | pw::kCapRandom;
      auto start = [&] {
        s.hosts.push_back(std::make_unique<pw::ScriptedHost>());
        pwfuzz::feed(*s.hosts.back());
        s.states.push_back(std::make_unique<pw::VmState>(s.program, config, s.hosts.back().get()));
        return s.states.back().get();
      };
      pw::VmState* whole = start();
      pw::run(*whole);
      const std::uint64_t steps = whole->step;
      for (const std::uint64_t at : {std::uint64_t{0}, steps / 3, steps * 2 / 3}) pw::run(*start(), at);
      out.push_back(std::move(s));
    }
    return out;
  }();
  return all;
}

void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "%s: %.*s\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

void evaluate_everywhere(const pw::replay::Expression& e, const pw::VmState& vm) {
  for (std::uint32_t depth = 0; depth <= vm.depth; ++depth) {
    const pw::replay::EvalResult r = depth == vm.depth ? e.evaluate(vm) : e.evaluate_in(vm, depth);
    if (!pw::replay::same_result(r, r)) fail("a result differs from itself", e.text());
    if (r.available == !r.reason.empty()) fail("a result is available with a reason, or unavailable without one", e.text());
    (void)pw::replay::result_text(vm, r, 64);
    // dump() throws on invalid UTF-8: the JSON form promises valid text.
    (void)pw::replay::result_json(vm, r).dump();
  }
  (void)e.locate(vm);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  subjects();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const Subject& s : subjects()) {
    std::optional<pw::replay::Expression> e;
    try {
      e = pw::replay::Expression::compile(text, *s.program);
    } catch (const pw::replay::ExpressionError& error) {
      const std::string_view message = error.what();
      if (message.empty() || message.find('\n') != std::string_view::npos) fail("an error not in one line", text);
      continue;
    }
    (void)e->reads_stack_or_step();
    const pw::replay::Expression copy = *e;
    for (const auto& vm : s.states) evaluate_everywhere(copy, *vm);
  }
  return 0;
}
