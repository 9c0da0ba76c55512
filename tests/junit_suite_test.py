#!/usr/bin/env python3
"""`pwvm test --junit`, read back by a real XML parser.

1. examples/ as a suite: one <testcase> per program under examples/, every one passing, and
   counts that agree with each other.
2. A failing suite in a temporary directory: the <failure> holds pwvm's error report, the
   trace's path and the `pwreplay debug TRACE --at end` command, the trace exists and
   replays, and output no XML could hold as it is still parses.

Usage: junit_suite_test.py SOURCE_DIR BUILD_DIR
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL: " + message)


def run(argv, cwd):
    env = dict(os.environ)
    env.pop("PWVM_GC_STRESS", None)  # the suites' runs are the point here, not the collector
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True)


def programs_under(directory):
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [os.path.join(root, f) for f in files if f.endswith((".pwa", ".pwl")) and not f.startswith(".")]
    return found


def only_suite(report):
    root = ET.parse(report).getroot()
    check(root.tag == "testsuites", "the root is <testsuites>, not <%s>" % root.tag)
    suites = root.findall("testsuite")
    check(len(suites) == 1, "one <testsuite>, not %d" % len(suites))
    return root, suites[0]


def examples_pass(source, pwvm, scratch):
    report = os.path.join(scratch, "examples.xml")
    r = run([pwvm, "test", "examples", "--junit", report, "--traces", os.path.join(scratch, "traces")], source)
    check(r.returncode == 0, "pwvm test examples exits %d:\n%s%s" % (r.returncode, r.stdout.decode(), r.stderr.decode()))
    root, suite = only_suite(report)
    cases = suite.findall("testcase")
    expected = sorted(os.path.relpath(p, source) for p in programs_under(os.path.join(source, "examples")))
    names = [c.get("name") for c in cases]
    check(names == expected, "one testcase per program, in order: %s vs %s" % (names, expected))
    check(int(suite.get("tests")) == len(cases) == len(expected), "tests=%s for %d cases" % (suite.get("tests"), len(cases)))
    check(suite.get("failures") == "0" and suite.get("errors") == "0", "no failures: %s" % suite.attrib)
    check(root.get("tests") == suite.get("tests"), "the totals agree: %s %s" % (root.attrib, suite.attrib))
    for c in cases:
        check(c.find("failure") is None, "%s passes" % c.get("name"))
        check(c.get("classname") == "examples", "%s's classname: %s" % (c.get("name"), c.get("classname")))
        check(float(c.get("time")) >= 0, "%s has a time" % c.get("name"))
    check(sum(float(c.get("time")) for c in cases) >= 0 and float(suite.get("time")) > 0, "the suite has a time")
    check(len(suite.get("timestamp", "")) == 19, "an ISO 8601 timestamp: %s" % suite.get("timestamp"))
    summary = r.stdout.decode().splitlines()[-1] if r.stdout else ""
    check(summary == "%d passed, 0 failed" % len(expected), "the summary line: %r" % summary)


FAILING = """func check(x)
  get_local x
  push nil
  add
  return
end
func main()
  push "about to fail"
  host print
  pop
  push 1
  call_fn check
  halt
end
"""

NOISY = 'func main()\n  push "<tag> & \\x00\\x01\\x1b[1m\\xff\\xfe ]]>"\n  host print\n  pop\n  push 0\n  halt\nend\n'


def failing_suite(pwvm, pwreplay, scratch):
    suite_dir = os.path.join(scratch, "failing")
    os.makedirs(os.path.join(suite_dir, "lib"))
    with open(os.path.join(suite_dir, "lib", "broken.pwa"), "w") as f:
        f.write(FAILING)
    with open(os.path.join(suite_dir, "noisy.pwa"), "w") as f:
        f.write(NOISY)
    r = run([pwvm, "test", ".", "--junit", "report.xml", "--traces", "traces"], suite_dir)
    check(r.returncode == 1, "a failing suite exits 1, not %d: %s" % (r.returncode, r.stderr.decode()))
    check(r.stdout.decode().splitlines()[-1] == "1 passed, 1 failed", "summary: %r" % r.stdout.decode())
    _, suite = only_suite(os.path.join(suite_dir, "report.xml"))
    check(suite.get("tests") == "2" and suite.get("failures") == "1", "counts: %s" % suite.attrib)
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    broken = cases.get("lib/broken.pwa")
    check(broken is not None, "a testcase for lib/broken.pwa: %s" % list(cases))
    if broken is None:
        return
    check(broken.get("classname") == "lib", "classname: %s" % broken.get("classname"))
    failure = broken.find("failure")
    check(failure is not None, "lib/broken.pwa has a <failure>")
    if failure is None:
        return
    message, text = failure.get("message"), failure.text or ""
    check("TypeError: add expects numbers, got int and nil" in message, "the message: %r" % message)
    check("at check (lib/broken.pwa:4)" in text and "at main (lib/broken.pwa:12)" in text,
          "the error report with its stack: %r" % text)
    trace = "traces/lib/broken.pwa.pwtrace"
    check("trace: " + trace in text, "the trace's path: %r" % text)
    check("pwreplay debug %s --at end" % trace in text, "the replay command: %r" % text)
    check(os.path.isfile(os.path.join(suite_dir, trace)), "the trace exists")
    info = run([pwreplay, "info", trace], suite_dir)
    check(info.returncode == 0, "pwreplay info replays the trace: %s" % info.stderr.decode())
    check(broken.find("system-out").text == "about to fail\n", "system-out: %r" % broken.find("system-out").text)
    noisy = cases.get("noisy.pwa")
    out = noisy.find("system-out").text if noisy is not None and noisy.find("system-out") is not None else None
    check(out == "<tag> & \\x00\\x01\\x1b[1m\\xff\\xfe ]]>\n", "bytes XML cannot hold, escaped: %r" % out)
    check(not os.path.exists(os.path.join(suite_dir, "traces", "noisy.pwa.pwtrace")), "a passing trace is deleted")


def main():
    source, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    pwvm = os.path.join(build, "tools", "pwvm")
    pwreplay = os.path.join(build, "tools", "pwreplay")
    with tempfile.TemporaryDirectory(prefix="pwvm_junit_") as scratch:
        examples_pass(source, pwvm, scratch)
        failing_suite(pwvm, pwreplay, scratch)
    if FAILURES:
        print("%d checks failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
