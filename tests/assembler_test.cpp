// The .pwa assembler: program structure, operand encoding, line tables, and errors that name
// the offending token's line and column.
#include <string>

#include <fmt/format.h>

#include "test_util.h"

namespace {

using pwtest::assembly_error;

pw::Program assemble(std::string_view src) { return pw::assemble(src, pwtest::kFile); }

const pw::Function& fn(const pw::Program& p, const std::string& name) {
  const int i = p.find_function(name);
  if (i < 0) throw std::runtime_error("no function " + name);
  return p.functions[static_cast<std::size_t>(i)];
}

std::uint16_t local_index(const pw::Function& f, const std::string& name) {
  for (std::size_t i = 0; i < f.locals.size(); ++i)
    if (f.locals[i] == name) return static_cast<std::uint16_t>(i);
  throw std::runtime_error("no local " + name);
}

// ---- structure ----------------------------------------------------------------------

TEST(Assembler, FunctionsKeepNamesArityLocalsAndCaptures) {
  const pw::Program p = assemble(R"PWA(
func add(a, b)
  local sum, tmp
  get_local a
  return
end
func body(x) captures(c1, c2)
  get_capture c2
  return
end
func main()
  push 0
  halt
end
)PWA");
  ASSERT_EQ(p.functions.size(), 3u);
  const pw::Function& add = fn(p, "add");
  EXPECT_EQ(add.arity, 2u);
  EXPECT_EQ(add.locals, (std::vector<std::string>{"a", "b", "sum", "tmp"}));
  EXPECT_TRUE(add.captures.empty());
  EXPECT_EQ(add.line, 2u);
  const pw::Function& body = fn(p, "body");
  EXPECT_EQ(body.arity, 1u);
  EXPECT_EQ(body.captures, (std::vector<std::string>{"c1", "c2"}));
  ASSERT_EQ(body.code.size(), 2u);
  EXPECT_EQ(body.code[0].op, pw::Op::GET_CAPTURE);
  EXPECT_EQ(body.code[0].a, 1u);
  EXPECT_EQ(p.entry, static_cast<std::uint32_t>(p.find_function("main")));
  EXPECT_EQ(p.source_name, "t.pwa");
}

TEST(Assembler, EntryLineNamesTheEntryFunction) {
  const pw::Program p = assemble(R"PWA(
entry start
func main()
  push 1
  halt
end
func start()
  push 2
  halt
end
)PWA");
  EXPECT_EQ(p.entry, static_cast<std::uint32_t>(p.find_function("start")));
  EXPECT_EQ(pwtest::eval(R"PWA(
entry start
func main()
  push 1
  halt
end
func start()
  push 2
  halt
end
)PWA"),
            "2");
}

TEST(Assembler, GlobalsWithAndWithoutInitialisers) {
  const pw::Program p = assemble(R"PWA(
global a = 5
global b
global c = "s"
func main()
  get_global c
  halt
end
)PWA");
  ASSERT_EQ(p.globals, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(p.global_inits.size(), 3u);
  ASSERT_GE(p.global_inits[0], 0);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(p.global_inits[0])].type, pw::ValueType::Int);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(p.global_inits[0])].i, 5);
  EXPECT_EQ(p.global_inits[1], -1);
  ASSERT_GE(p.global_inits[2], 0);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(p.global_inits[2])].text, "s");
  EXPECT_EQ(fn(p, "main").code[0].op, pw::Op::GET_GLOBAL);
  EXPECT_EQ(fn(p, "main").code[0].a, 2u);
}

TEST(Assembler, PushShorthandPicksTheInstruction) {
  const pw::Program p = assemble(R"PWA(
func main()
  push nil
  push true
  push false
  push 7
  push -2147483648
  push 2147483647
  push 2147483648
  push -2147483649
  push 1.5
  push "s"
  push 'sym
  halt
end
)PWA");
  const auto& code = fn(p, "main").code;
  ASSERT_EQ(code.size(), 12u);
  EXPECT_EQ(code[0].op, pw::Op::NIL);
  EXPECT_EQ(code[1].op, pw::Op::TRUE);
  EXPECT_EQ(code[2].op, pw::Op::FALSE);
  EXPECT_EQ(code[3].op, pw::Op::PUSH_INT);
  EXPECT_EQ(code[3].b, 7);
  EXPECT_EQ(code[4].op, pw::Op::PUSH_INT);
  EXPECT_EQ(code[4].b, INT32_MIN);
  EXPECT_EQ(code[5].op, pw::Op::PUSH_INT);
  EXPECT_EQ(code[5].b, INT32_MAX);
  ASSERT_EQ(code[6].op, pw::Op::PUSH_CONST);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(code[6].b)].type, pw::ValueType::Int);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(code[6].b)].i, 2147483648LL);
  ASSERT_EQ(code[7].op, pw::Op::PUSH_CONST);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(code[7].b)].i, -2147483649LL);
  ASSERT_EQ(code[8].op, pw::Op::PUSH_CONST);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(code[8].b)].type, pw::ValueType::Float);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(code[8].b)].f, 1.5);
  ASSERT_EQ(code[9].op, pw::Op::PUSH_CONST);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(code[9].b)].type, pw::ValueType::String);
  ASSERT_EQ(code[10].op, pw::Op::PUSH_CONST);
  const pw::Constant& sym = p.constants[static_cast<std::size_t>(code[10].b)];
  EXPECT_EQ(sym.type, pw::ValueType::Symbol);
  ASSERT_LT(sym.sym, p.symbols.size());
  EXPECT_EQ(p.symbols[sym.sym], "sym");
}

TEST(Assembler, LiteralsParse) {
  const pw::Program p = assemble(R"PWA(
func main()
  push 0x1F
  push 1e9
  push 2.5e-3
  push -0.5
  push "a\tb\n\\\"\0\x7f"
  halt
end
)PWA");
  const auto& code = fn(p, "main").code;
  EXPECT_EQ(code[0].op, pw::Op::PUSH_INT);
  EXPECT_EQ(code[0].b, 31);
  auto k = [&](int i) { return p.constants[static_cast<std::size_t>(code[static_cast<std::size_t>(i)].b)]; };
  EXPECT_EQ(k(1).type, pw::ValueType::Float);
  EXPECT_EQ(k(1).f, 1e9);
  EXPECT_EQ(k(2).f, 2.5e-3);
  EXPECT_EQ(k(3).f, -0.5);
  EXPECT_EQ(k(4).type, pw::ValueType::String);
  EXPECT_EQ(k(4).text, std::string("a\tb\n\\\"\0\x7f", 8));
}

TEST(Assembler, EqualSymbolsAreInternedOnce) {
  const pw::Program p = assemble(R"PWA(
func main()
  push 'apple
  push 'pear
  push 'apple
  halt
end
)PWA");
  const auto& code = fn(p, "main").code;
  auto sym = [&](int i) { return p.constants[static_cast<std::size_t>(code[static_cast<std::size_t>(i)].b)].sym; };
  EXPECT_EQ(sym(0), sym(2));
  EXPECT_NE(sym(0), sym(1));
  int apples = 0;
  for (const std::string& s : p.symbols) apples += s == "apple";
  EXPECT_EQ(apples, 1);
}

TEST(Assembler, OperandsAreEncoded) {
  const pw::Program p = assemble(R"PWA(
global g0
global g1
func callee(a)
  get_local a
  return
end
func main()
  local i, limit
top:
  inc_local limit, -3
  for_next i, top
  call 2
  call_fn callee
  is string
  host random
  set_global g1
  jump top
end
)PWA");
  const pw::Function& m = fn(p, "main");
  ASSERT_EQ(m.code.size(), 8u);
  EXPECT_EQ(m.code[0].op, pw::Op::INC_LOCAL);
  EXPECT_EQ(m.code[0].a, local_index(m, "limit"));
  EXPECT_EQ(m.code[0].b, -3);
  EXPECT_EQ(m.code[1].op, pw::Op::FOR_NEXT);
  EXPECT_EQ(m.code[1].a, local_index(m, "i"));
  EXPECT_EQ(m.code[1].b, 0);
  EXPECT_EQ(m.code[2].op, pw::Op::CALL);
  EXPECT_EQ(m.code[2].a, 2u);
  EXPECT_EQ(m.code[3].op, pw::Op::CALL_FN);
  EXPECT_EQ(m.code[3].b, p.find_function("callee"));
  EXPECT_EQ(m.code[4].op, pw::Op::IS);
  EXPECT_EQ(m.code[4].a, static_cast<std::uint16_t>(pw::ValueType::String));
  EXPECT_EQ(m.code[5].op, pw::Op::HOST);
  EXPECT_EQ(m.code[5].a, static_cast<std::uint16_t>(pw::HostFn::Random));
  EXPECT_EQ(m.code[6].op, pw::Op::SET_GLOBAL);
  EXPECT_EQ(m.code[6].a, 1u);
  EXPECT_EQ(m.code[7].op, pw::Op::JUMP);
  EXPECT_EQ(m.code[7].b, 0);
}

TEST(Assembler, EveryInstructionKeepsItsSourceLine) {
  const std::string src = R"PWA(
; a comment line
func main()
  push 1     ; one

  # a hash comment
  push 2
  add
  halt
end
)PWA";
  const pw::Program p = assemble(src);
  const pw::Function& m = fn(p, "main");
  ASSERT_EQ(m.lines.size(), m.code.size());
  ASSERT_EQ(m.code.size(), 4u);
  EXPECT_EQ(m.lines[0], pwtest::line_of(src, "push 1"));
  EXPECT_EQ(m.lines[1], pwtest::line_of(src, "push 2"));
  EXPECT_EQ(m.lines[2], pwtest::line_of(src, "  add"));
  EXPECT_EQ(m.lines[3], pwtest::line_of(src, "halt"));
  EXPECT_EQ(m.line, pwtest::line_of(src, "func main"));
  EXPECT_EQ(p.source, src);
}

TEST(Assembler, CommentsAreIgnoredEverywhere) {
  EXPECT_EQ(pwtest::eval(R"PWA(; leading
# hash
global g = 3 ; trailing
func main() ; header
  local x ; declared
  get_global g # hash after code
  push "a;b#c" ; a string may hold comment characters
  str_len
  add
  halt ; done
end ; closing
)PWA"),
            "8");
}

TEST(Assembler, LabelMayShareALineWithAnInstruction) {
  const pw::Program p = assemble(R"PWA(
func main()
  local i, limit
  push 3
  set_local limit
loop: inc_local i, 0
  for_next i, loop
  get_local i
  halt
end
)PWA");
  const pw::Function& m = fn(p, "main");
  EXPECT_EQ(m.code[2].op, pw::Op::INC_LOCAL);
  EXPECT_EQ(m.code[3].b, 2);
  EXPECT_EQ(m.labels.count(2), 1u);
}

TEST(Assembler, OperandsMaySeparateWithCommasOrSpaces) {
  const pw::Program a = assemble("func main()\n  local x\n  inc_local x, 1\n  push 0\n  halt\nend\n");
  const pw::Program b = assemble("func main()\n  local x\n  inc_local x 1\n  push 0\n  halt\nend\n");
  EXPECT_TRUE(pw::same_code(a, b));
}

TEST(Assembler, LabelsAreLocalToTheirFunction) {
  EXPECT_EQ(pwtest::eval(R"PWA(
func f()
  jump done
done:
  push 1
  return
end
func main()
  jump done
  push 100
  halt
done:
  call_fn f
  add_imm 1
  halt
end
)PWA"),
            "2");
}

TEST(Assembler, NamesMayUsePunctuation) {
  EXPECT_EQ(pwtest::eval(R"PWA(
func is-ok?.v2!(a_b)
  get_local a_b
  return
end
func main()
  local x.y-z?
  push 5
  set_local x.y-z?
  get_local x.y-z?
  call_fn is-ok?.v2!
  halt
end
)PWA"),
            "5");
}

TEST(Assembler, NamesMayUseLispPunctuation) {
  const std::string src = R"PWA(
global *count* = 3
global = = 1
func list->vector(xs)
  get_local xs
  return
end
func <=?(a, b)
  get_local a
  get_local b
  le
  return
end
func set-car!(p, v)
  get_local p
  get_local v
  set_car
  get_local p
  return
end
func main()
  local %tmp, $x@y, ~a^b&c, x+1, !done
  push 1
  push 2
  call_fn <=?
  set_local !done
  get_global *count*
  call_fn list->vector
  get_global =
  add
  halt
end
)PWA";
  const pw::Program p = assemble(src);
  EXPECT_GE(p.find_function("list->vector"), 0);
  EXPECT_GE(p.find_function("<=?"), 0);
  EXPECT_GE(p.find_function("set-car!"), 0);
  EXPECT_EQ(p.globals, (std::vector<std::string>{"*count*", "="}));
  EXPECT_EQ(fn(p, "main").locals, (std::vector<std::string>{"%tmp", "$x@y", "~a^b&c", "x+1", "!done"}));
  EXPECT_EQ(pwtest::eval(src), "4");
  EXPECT_TRUE(pw::is_name("list->vector"));
  EXPECT_TRUE(pw::is_name("*count*"));
  EXPECT_FALSE(pw::is_name("hello world"));
  EXPECT_FALSE(pw::is_name("-x"));
  EXPECT_FALSE(pw::is_name("+x"));
  EXPECT_FALSE(pw::is_name("1x"));
  EXPECT_FALSE(pw::is_name("a:b"));
  EXPECT_FALSE(pw::is_name(""));
}

TEST(Assembler, LabelsSymbolsAndInitialisersKeepTheirSyntaxBesideTheNewNameCharacters) {
  const pw::Program p = assemble(R"PWA(
global g = -5
func main()
  push '<=?
  pop
again: push 1
  jump_if_false again
  get_global g
  halt
end
)PWA");
  const pw::Function& m = fn(p, "main");
  EXPECT_EQ(m.labels.at(2), "again");
  EXPECT_EQ(p.symbols, (std::vector<std::string>{"<=?"}));
  EXPECT_EQ(p.constants[static_cast<std::size_t>(p.global_inits[0])].i, -5);
}

TEST(Assembler, QuotedSymbolsMayHoldAnyText) {
  const pw::Program p = assemble(R"PWA(
global greeting = '"hello world"
func main()
  push '"hello world"
  push '"tab\there \"quoted\" \x01"
  push '""
  push 'plain
  halt
end
)PWA");
  EXPECT_EQ(p.symbols, (std::vector<std::string>{"hello world", "tab\there \"quoted\" \x01", "", "plain"}));
  const auto& code = fn(p, "main").code;
  EXPECT_EQ(p.constants[static_cast<std::size_t>(code[0].b)].sym, 0u);
  EXPECT_EQ(p.constants[static_cast<std::size_t>(p.global_inits[0])].sym, 0u);
  // The disassembler writes a symbol that is not a name quoted, so it assembles back.
  const std::string text = pw::disassemble(p);
  EXPECT_NE(text.find("push_const '\"hello world\""), std::string::npos) << text;
  EXPECT_NE(text.find("push_const 'plain\n"), std::string::npos) << text;
  EXPECT_EQ(pw::assemble(text, "again.pwa").symbols, p.symbols);
}

TEST(Assembler, EveryInstructionKeepsTheColumnOfItsMnemonic) {
  const pw::Program p = assemble("func main()\n  push 1\nl: push 2\n\tadd ; x\n    halt\nend\n");
  const pw::Function& m = fn(p, "main");
  EXPECT_EQ(m.columns, (std::vector<std::uint32_t>{3, 4, 2, 5}));
  EXPECT_EQ(m.lines, (std::vector<std::uint32_t>{2, 3, 4, 5}));
  EXPECT_FALSE(p.compiled);
  EXPECT_TRUE(m.vars.empty());
  EXPECT_TRUE(m.source_name.empty());
  EXPECT_EQ(m.display_name(), "main");
}

// ---- errors -------------------------------------------------------------------------

struct ErrorCase {
  const char* what;
  std::string source;
  std::uint32_t line;
  std::uint32_t column;  // 0: not checked
  const char* mentions;  // text the message must contain, or nullptr
};

void check_error(const ErrorCase& c) {
  SCOPED_TRACE(c.what);
  const pw::AssemblyError e = assembly_error(c.source);
  EXPECT_EQ(e.file, "t.pwa");
  EXPECT_EQ(e.line, c.line) << e.what();
  if (c.column) {
    EXPECT_EQ(e.column, c.column) << e.what();
  }
  EXPECT_FALSE(e.message.empty());
  EXPECT_EQ(e.message.find("t.pwa:"), std::string::npos) << "message should not carry the location: " << e.message;
  if (c.mentions) {
    EXPECT_NE(e.message.find(c.mentions), std::string::npos) << e.message;
  }
  const std::string where = "t.pwa:" + std::to_string(c.line) + ":";
  EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
}

std::string in_main(const std::string& line) { return "func main()\n  local x\n" + line + "\n  push 0\n  halt\nend\n"; }

TEST(AssemblerErrors, UnknownInstruction) { check_error({"mnemonic", in_main("  frobnicate"), 3, 3, "frobnicate"}); }

TEST(AssemblerErrors, MissingOperand) { check_error({"missing", in_main("  push_int"), 3, 0, nullptr}); }

TEST(AssemblerErrors, ExtraOperand) { check_error({"extra", in_main("  pop 1"), 3, 7, nullptr}); }

TEST(AssemblerErrors, OperandOfTheWrongKind) {
  check_error({"string for int", in_main("  push_int \"x\""), 3, 12, nullptr});
  check_error({"int for argc", in_main("  call x"), 3, 8, nullptr});
}

TEST(AssemblerErrors, IntegerOutOfRange) {
  check_error({"64-bit", in_main("  push 9223372036854775808"), 3, 8, nullptr});
  check_error({"64-bit negative", in_main("  push -9223372036854775809"), 3, 8, nullptr});
  check_error({"32-bit imm", in_main("  push_int 2147483648"), 3, 12, nullptr});
  check_error({"32-bit add_imm", in_main("  add_imm 99999999999"), 3, 11, nullptr});
}

TEST(AssemblerErrors, BadStrings) {
  check_error({"unterminated", in_main("  push \"abc"), 3, 8, nullptr});
  check_error({"bad escape", in_main("  push \"a\\qb\""), 3, 0, "'\\q'"});
  // A control byte after the backslash is named escaped, never written raw.
  check_error({"escape of a control byte", in_main("  push \"a\\\x1b[2Jb\""), 3, 0, "byte 0x1b"});
  const pw::AssemblyError e = assembly_error(in_main("  push \"a\\\x01" "b\""));
  EXPECT_EQ(e.message.find('\x01'), std::string::npos) << e.message;
  // A control byte inside a literal that an error quotes is escaped too (found by fuzzing).
  const pw::AssemblyError quoted = assembly_error(in_main("  push 1 \"w\x11\x11orld\""));
  EXPECT_NE(quoted.message.find("w\\x11\\x11orld"), std::string::npos) << quoted.message;
  EXPECT_EQ(std::string(quoted.what()).find('\x11'), std::string::npos) << quoted.what();
}

TEST(AssemblerErrors, UnknownNames) {
  check_error({"local", in_main("  get_local nope"), 3, 13, "nope"});
  check_error({"global", in_main("  get_global nope"), 3, 14, "nope"});
  check_error({"function", in_main("  call_fn nope"), 3, 11, "nope"});
  check_error({"label", in_main("  jump nowhere"), 3, 8, "nowhere"});
  check_error({"host fn", in_main("  host frob"), 3, 8, "frob"});
  check_error({"type", in_main("  is widget"), 3, 6, "widget"});
  check_error({"capture", in_main("  get_capture z"), 3, 15, nullptr});
  check_error({"make_closure of unknown", in_main("  make_closure nope"), 3, 16, "nope"});
}

TEST(AssemblerErrors, LabelOfAnotherFunctionIsUnknown) {
  check_error({"foreign label",
               "func f()\nthere:\n  push 1\n  return\nend\nfunc main()\n  jump there\nend\n", 7, 8, "there"});
}

TEST(AssemblerErrors, InstructionOutsideAFunction) { check_error({"outside", "push 1\n", 1, 1, nullptr}); }

TEST(AssemblerErrors, MissingEnd) {
  const pw::AssemblyError e = assembly_error("func main()\n  push 1\n  halt\n");
  EXPECT_GE(e.line, 1u);
}

TEST(AssemblerErrors, Duplicates) {
  check_error({"function", "func main()\n  push 0\n  halt\nend\nfunc main()\n  push 1\n  halt\nend\n", 5, 0,
               "main"});
  check_error({"label", "func main()\nl:\n  push 0\nl:\n  halt\nend\n", 4, 0, nullptr});
  check_error({"global", "global g\nglobal g\nfunc main()\n  push 0\n  halt\nend\n", 2, 0, nullptr});
}

TEST(AssemblerErrors, BadNames) {
  check_error({"digit first", "func 1abc()\n  push 0\n  halt\nend\n", 1, 6, nullptr});
  check_error({"dash first", "func main()\n  local -x\n  push 0\n  halt\nend\n", 2, 9, nullptr});
}

TEST(AssemblerErrors, UnknownEntryFunction) {
  const pw::AssemblyError e = assembly_error("entry nowhere\nfunc main()\n  push 0\n  halt\nend\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_NE(e.message.find("nowhere"), std::string::npos) << e.message;
}

// Instructions name globals, locals and captures in 16 bits: the first name past 65535 is
// refused where it stands. Programs this big are generated, so the place must be exact.
TEST(AssemblerErrors, TheFirstGlobalPastTheLimitIsNamedByLineAndColumn) {
  std::string src;
  std::uint32_t line = 0, limit_line = 0;
  for (std::size_t g = 0; g < 200000; ++g) {
    if (g % 1000 == 0) {
      src += "; globals from " + std::to_string(g) + "\n";
      ++line;
    }
    src += "  global  g" + std::to_string(g) + " = " + std::to_string(g) + "\n";
    ++line;
    if (g == 65535) limit_line = line;  // global number 65536
  }
  src += "func main()\n  push 0\n  halt\nend\n";
  const pw::AssemblyError e = assembly_error(src);
  EXPECT_EQ(e.line, limit_line) << e.what();
  EXPECT_EQ(e.column, 11u) << e.what();
  EXPECT_EQ(e.message, "more than 65535 globals");
  EXPECT_EQ(std::string(e.what()), "t.pwa:" + std::to_string(limit_line) + ":11: error: more than 65535 globals");
  // 65535 globals are fine.
  std::string fits;
  for (std::size_t g = 0; g < 65535; ++g) fits += "global g" + std::to_string(g) + "\n";
  fits += "func main()\n  get_global g65534\n  halt\nend\n";
  EXPECT_EQ(pwtest::load(fits)->globals.size(), 65535u);
}

TEST(AssemblerErrors, TheFirstLocalOrCapturePastTheLimitIsNamedByLineAndColumn) {
  std::string names;
  std::uint32_t column_65536 = 0;
  for (std::size_t i = 0; i < 70000; ++i) {
    if (i == 65535) column_65536 = static_cast<std::uint32_t>(names.size() + 1);
    names += fmt::format("v{} ", i);
  }
  const pw::AssemblyError locals = assembly_error("func main()\n  local " + names + "\n  push 0\n  halt\nend\n");
  EXPECT_EQ(locals.line, 2u);
  EXPECT_EQ(locals.column, 8 + column_65536) << locals.what();
  EXPECT_EQ(locals.message, "more than 65535 locals");
  const pw::AssemblyError captures =
      assembly_error("func f() captures(" + names + ")\n  push 0\n  return\nend\nfunc main()\n  push 0\n  halt\nend\n");
  EXPECT_EQ(captures.line, 1u);
  EXPECT_EQ(captures.column, 18 + column_65536) << captures.what();
  EXPECT_EQ(captures.message, "more than 65535 captures");
}

// ---- scale --------------------------------------------------------------------------

TEST(AssemblerScale, HundredThousandFunctionsAndThreeHundredThousandConstantsAssembleAndVerify) {
  // Lookups by hash keep this to seconds; cli_test counts the work (CheckDoesLinearWork...).
  constexpr std::size_t kFunctions = 100000, kGlobals = 60000;
  const auto p = pwtest::load(pwtest::program_with_names(kFunctions, kGlobals));
  ASSERT_EQ(p->functions.size(), kFunctions + 1);
  EXPECT_EQ(p->constants.size(), 3 * kFunctions + 1);
  EXPECT_EQ(p->globals.size(), kGlobals);
  EXPECT_EQ(p->entry, kFunctions);
  for (const std::size_t i : {std::size_t{0}, std::size_t{4242}, kFunctions - 1}) {
    SCOPED_TRACE(i);
    const pw::Function& f = p->functions[i];
    EXPECT_EQ(f.name, "f" + std::to_string(i));
    EXPECT_EQ(f.locals, (std::vector<std::string>{"x", "y", "z"}));
    const auto first = [&](pw::Op op) {
      return std::find_if(f.code.begin(), f.code.end(), [op](const pw::Instr& in) { return in.op == op; });
    };
    const auto called = first(pw::Op::CALL_FN);
    ASSERT_NE(called, f.code.end());
    EXPECT_EQ(static_cast<std::size_t>(called->b), (i * 31 + 1) % kFunctions);
    const auto global = first(pw::Op::GET_GLOBAL);
    ASSERT_NE(global, f.code.end());
    EXPECT_EQ(global->a, i * 7919 % kGlobals);
    EXPECT_EQ(p->constants[static_cast<std::size_t>(f.code[0].b)].text, "k" + std::to_string(i));
  }
  // The shared string is one constant.
  EXPECT_EQ(p->functions[1].code[6].b, p->functions[kFunctions - 1].code[6].b);
  EXPECT_EQ(p->constants[static_cast<std::size_t>(p->functions[1].code[6].b)].text, "shared");
}

TEST(AssemblerScale, EqualConstantsAreSharedAndBitwiseDifferentOnesAreNot) {
  const pw::Program p = assemble(R"PWA(
func main()
  push 0.0
  push -0.0
  push 0.0
  push "a"
  push 'a
  push "a"
  push 4294967296
  push 4294967296.0
  push 4294967296
  halt
end
)PWA");
  const auto& code = p.functions[0].code;
  EXPECT_EQ(p.constants.size(), 6u);
  EXPECT_EQ(code[0].b, code[2].b);
  EXPECT_NE(code[0].b, code[1].b);
  EXPECT_EQ(code[3].b, code[5].b);
  EXPECT_NE(code[3].b, code[4].b);
  EXPECT_EQ(code[6].b, code[8].b);
  EXPECT_NE(code[6].b, code[7].b);
}

TEST(AssemblerErrors, LoadProgramTextThrowsAssemblyErrors) {
  EXPECT_THROW(pwtest::load("func main()\n  bogus\nend\n"), pw::AssemblyError);
}

TEST(AssemblerErrors, LoadProgramOfAMissingFileThrows) {
  EXPECT_THROW(pw::load_program("/nonexistent/dir/missing.pwa"), std::runtime_error);
}

}  // namespace
