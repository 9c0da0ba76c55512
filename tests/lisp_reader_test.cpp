// The .pwl reader: every kind of datum with where it starts, the shorthands, comments, and
// one clear error, at the right place, for each way a text can be malformed.
#include "reader.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using pw::lisp::CompileError;
using pw::lisp::Datum;
using pw::lisp::read_all;
using pw::lisp::SourcePos;

std::string shown(const std::string& text) {
  std::string out;
  for (const Datum& d : read_all(text, "t.pwl")) out += (out.empty() ? "" : " ") + d.show();
  return out;
}

// The error [text] gives: its location and message, and the line and caret below them.
CompileError error_of(const std::string& text) {
  try {
    read_all(text, "t.pwl");
  } catch (const CompileError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return CompileError("t.pwl", "", {}, "");
}

TEST(LispReader, ReadsEveryKindOfDatum) {
  EXPECT_EQ(shown("42 -7 +3 0 9223372036854775807 -9223372036854775808"),
            "42 -7 3 0 9223372036854775807 -9223372036854775808");
  EXPECT_EQ(shown("3.5 -0.25 1e3 2.5e-3 .5 -.5 1E2"), "3.5 -0.25 1000.0 0.0025 0.5 -0.5 100.0");
  EXPECT_EQ(shown(R"("a\n\t\"b\\" "\x41")"), R"("a\n\t\"b\\" "A")");
  EXPECT_EQ(shown("#t #f #true #false"), "#t #f #t #f");
  EXPECT_EQ(shown("x list->vector set-car! <= + - ... a.b"), "x list->vector set-car! <= + - ... a.b");
  EXPECT_EQ(shown("(1 (2 3) () [4 5])"), "(1 (2 3) () (4 5))");
  EXPECT_EQ(shown("(a . b) (1 2 . 3)"), "(a . b) (1 2 . 3)");
  EXPECT_EQ(shown("#(1 \"two\" (3))"), "#(1 \"two\" (3))");
}

TEST(LispReader, QuoteShorthandsBecomeLists) {
  EXPECT_EQ(shown("'x '(1 2) `(a ,b ,@c)"), "(quote x) (quote (1 2)) (quasiquote (a (unquote b) (unquote-splicing c)))");
  EXPECT_EQ(shown("' x"), "(quote x)");
}

TEST(LispReader, CommentsAreSkipped) {
  EXPECT_EQ(shown("1 ; one\n2 #| two |# 3 #| #| nested |# |# 4 #;(five 5) 6 #; 7 8"), "1 2 3 4 6 8");
  EXPECT_EQ(shown("(a #;b c)"), "(a c)");
  EXPECT_EQ(shown(""), "");
  EXPECT_EQ(shown("  ; nothing\n"), "");
}

TEST(LispReader, EveryDatumKnowsWhereItStarts) {
  const auto data = read_all("(define (f x)\n  (+ x\t1))\n'y", "t.pwl");
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].pos, (SourcePos{1, 1}));
  EXPECT_EQ(data[0].end, (SourcePos{2, 10}));
  EXPECT_EQ(data[0].items[1].pos, (SourcePos{1, 9}));
  EXPECT_EQ(data[0].items[1].items[1].pos, (SourcePos{1, 12}));
  const Datum& body = data[0].items[2];
  EXPECT_EQ(body.pos, (SourcePos{2, 3}));
  EXPECT_EQ(body.items[2].pos, (SourcePos{2, 8}));  // after a tab: columns count bytes
  EXPECT_EQ(data[1].pos, (SourcePos{3, 1}));
  EXPECT_EQ(data[1].items[1].pos, (SourcePos{3, 2}));
}

TEST(LispReader, AnUnclosedListIsNamedWhereItOpens) {
  const CompileError e = error_of("(define (f x)\n  (+ x 1)\n");
  EXPECT_EQ(e.pos, (SourcePos{1, 1}));
  EXPECT_EQ(e.message, "this '(' is never closed");
  EXPECT_STREQ(e.what(), "t.pwl:1:1: error: this '(' is never closed\n    (define (f x)\n    ^");
}

TEST(LispReader, MalformedTextIsOneErrorAtItsPlace) {
  struct Case {
    std::string text;
    SourcePos pos;
    std::string message;
  };
  const Case cases[] = {
      {"(a b))", {1, 6}, "unexpected ')': there is no '(' to close"},
      {"(a ]", {1, 4}, "']' does not match the '(' at 1:1"},
      {"[a b", {1, 1}, "this '[' is never closed"},
      {"\"abc", {1, 1}, "this string is never closed"},
      {"\"a\\qb\"", {1, 3}, "unknown escape '\\q'"},
      {"99999999999999999999", {1, 1}, "the integer 99999999999999999999 does not fit in 64 bits"},
      {"(1 2x)", {1, 4}, "malformed number '2x'"},
      {"1e", {1, 1}, "malformed number '1e'"},
      {"1.5.2", {1, 1}, "malformed number '1.5.2'"},
      {"1e999", {1, 1}, "the number 1e999 is too large for a float"},
      {"#x10", {1, 1}, "unknown syntax '#x10' (booleans are #t and #f)"},
      {"( . a)", {1, 3}, "a dotted list needs something before the '.'"},
      {"(a . )", {1, 4}, "a dotted list needs one datum after the '.'"},
      {"(a . b c)", {1, 8}, "a dotted list ends one datum after the '.'"},
      {"#(a . b)", {1, 1}, "a vector cannot have a dotted tail"},
      {". a", {1, 1}, "a '.' belongs inside a list, before its last datum"},
      {"(a ')", {1, 4}, "''' must be followed by a datum"},
      {"#| open", {1, 1}, "this '#|' comment is never closed with '|#'"},
      {"(a #;)", {1, 4}, "'#;' comments out a datum, but none follows"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const CompileError e = error_of(c.text);
    EXPECT_EQ(e.pos, c.pos);
    EXPECT_EQ(e.message, c.message);
  }
}

TEST(LispReader, TheCaretLinesUpUnderTheColumn) {
  const CompileError e = error_of("(list 1\n\t  (x 2x))");
  EXPECT_STREQ(e.what(), "t.pwl:2:7: error: malformed number '2x'\n    \t  (x 2x))\n    \t     ^");
}

TEST(LispReader, DeepNestingIsAnErrorNotACrash) {
  const std::string deep(100000, '(');
  const CompileError e = error_of(deep);
  EXPECT_NE(e.message.find("nesting deeper than"), std::string::npos);
  EXPECT_EQ(shown(std::string(500, '(') + std::string(500, ')')).size(), 1000u);
  std::string comments;
  for (int k = 0; k < 100000; ++k) comments += "#;";
  EXPECT_NE(error_of(comments + " a").message.find("nesting deeper than"), std::string::npos);
  std::string quotes(100000, '\'');
  EXPECT_NE(error_of(quotes + "a").message.find("nesting deeper than"), std::string::npos);
}

}  // namespace
