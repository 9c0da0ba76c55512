// Writing JUnit XML.
#include "junit_report.h"

#include <fmt/format.h>

#include "printable.h"

namespace pwvm {

std::string xml_escape(std::string_view bytes, bool attribute) {
  // printable_lines leaves tab, newline, printable ASCII and well-formed UTF-8: all XML 1.0
  // characters but U+FFFE and U+FFFF, which are escaped here like the rest.
  const std::string text = pw::printable_lines(bytes);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\xef' && i + 2 < text.size() && text[i + 1] == '\xbf' &&
        (text[i + 2] == '\xbe' || text[i + 2] == '\xbf')) {
      out += text[i + 2] == '\xbe' ? "\\xef\\xbf\\xbe" : "\\xef\\xbf\\xbf";
      i += 2;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      // In an attribute a parser turns a raw newline or tab into a space: keep them as references.
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string junit_xml(const JunitSuite& suite) {
  std::size_t failures = 0;
  for (const JunitCase& c : suite.cases) failures += c.failed ? 1 : 0;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n",
                     xml_escape(suite.name, true), suite.cases.size(), failures, suite.seconds);
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3f}\" "
      "timestamp=\"{}\">\n",
      xml_escape(suite.name, true), suite.cases.size(), failures, suite.seconds, xml_escape(suite.timestamp, true));
  for (const JunitCase& c : suite.cases) {
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3f}\"",
                       xml_escape(c.name, true), xml_escape(c.classname, true), xml_escape(c.file, true), c.seconds);
    if (!c.failed && c.system_out.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (c.failed)
      out += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(c.failure_message, true),
                         xml_escape(c.failure_text, false));
    if (!c.system_out.empty())
      out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(c.system_out, false));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace pwvm
