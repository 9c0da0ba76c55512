// A test run as JUnit XML, the report GitLab, Jenkins and GitHub's test-report actions read:
// <testsuites> holding one <testsuite>, a <testcase> per program. Program output is any
// bytes; what XML 1.0 cannot hold is written as \xHH text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace pwvm {

struct JunitCase {
  std::string name;       // the program's path, as the runner shows it
  std::string classname;  // its directory, with dots for slashes
  std::string file;       // the program's path again, for tools that annotate files
  double seconds = 0;
  bool failed = false;
  std::string failure_message;  // one line: why it failed
  std::string failure_text;     // the whole report: reason, pwvm's stderr, trace, replay command
  std::string system_out;       // the program's standard output (empty: no element)
};

struct JunitSuite {
  std::string name;
  std::string timestamp;  // ISO 8601 local time without a zone, as the JUnit schema has it
  double seconds = 0;
  std::vector<JunitCase> cases;
};

// The whole document, XML declaration first.
std::string junit_xml(const JunitSuite& suite);

// [bytes] as XML character data (or, with [attribute], an attribute value in double quotes):
// markup escaped, bytes that are not XML 1.0 characters (controls, broken UTF-8) as \xHH.
std::string xml_escape(std::string_view bytes, bool attribute);

}  // namespace pwvm
