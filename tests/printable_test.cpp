// Escaping bytes for a terminal (printable.h).
#include <gtest/gtest.h>

#include <string>

#include "printable.h"

namespace {

using namespace std::string_literals;

TEST(Printable, ControlBytesAreWrittenAsHex) {
  EXPECT_EQ(pw::printable("a\0b"s), "a\\x00b");
  EXPECT_EQ(pw::printable("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(pw::printable("bell\x07 del\x7f"), "bell\\x07 del\\x7f");
  EXPECT_EQ(pw::printable("a\rb"), "a\\x0db");
}

TEST(Printable, OneLineEscapesNewlinesAndKeepsTabs) {
  EXPECT_EQ(pw::printable("a\nb\tc"), "a\\x0ab\tc");
  EXPECT_EQ(pw::printable_lines("a\nb\tc\x1b"), "a\nb\tc\\x1b");
}

TEST(Printable, Utf8TextStaysButC1ControlsAndStrayBytesAreEscaped) {
  EXPECT_EQ(pw::printable("na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80"), "na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80");
  // U+009B is CSI, as the one byte 0x9b is on an 8-bit terminal.
  EXPECT_EQ(pw::printable("\xc2\x9b" "31m"), "\\xc2\\x9b31m");
  EXPECT_EQ(pw::printable("\x9b" "31m"), "\\x9b31m");
  EXPECT_EQ(pw::printable("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is the first code point after C1
  // Cut short, overlong, a surrogate, past U+10FFFF.
  EXPECT_EQ(pw::printable("\xe2\x82"), "\\xe2\\x82");
  EXPECT_EQ(pw::printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(pw::printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(pw::printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

TEST(Printable, EscapedTextIsLeftAlone) {
  const std::string once = pw::printable("\0\x1b\x9b\xc2\x85 ok\n"s);
  EXPECT_EQ(pw::printable(once), once);
  EXPECT_EQ(pw::printable_lines(once), once);
}

TEST(Printable, QuotedIsAStringLiteralOfTheSameBytes) {
  EXPECT_EQ(pw::quoted("a\"b\\c\n\t\r\0\x1b\xff"s), "\"a\\\"b\\\\c\\n\\t\\r\\0\\x1b\\xff\"");
}

}  // namespace
